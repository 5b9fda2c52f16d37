/** Jest runs TypeScript through SWC (no type-checking: `npm run typecheck` does that), which keeps the suite fast. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests', '<rootDir>/tools'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] },
  setupFiles: ['<rootDir>/tests/helpers/setup-env.ts'],
  reporters: ['default', '<rootDir>/tests/helpers/summary-reporter.js'],
  testTimeout: 20000,
};
