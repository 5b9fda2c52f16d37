/** The service's tests, on a real Redis (`tests/helpers/setup-env.ts`); a project of the root `jest.config.js`. */
module.exports = {
  displayName: 'service',
  rootDir: '..',
  testEnvironment: 'node',
  // Workspace packages resolve to their TypeScript sources (the `source` condition of their exports), not a build.
  testEnvironmentOptions: { customExportConditions: ['source', 'node', 'require', 'default'] },
  roots: ['<rootDir>/tests', '<rootDir>/tools'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] },
  setupFiles: ['<rootDir>/tests/helpers/setup-env.ts'],
  testTimeout: 20000,
};
