/** The stand-in's own tests (no Redis, no service): `npm test` here, or as the `stripe-local` project of the root's. */
module.exports = {
  displayName: 'stripe-local',
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] },
  testTimeout: 20000,
};
