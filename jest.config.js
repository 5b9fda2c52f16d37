/**
 * `npm test`: the service's tests and the Stripe stand-in's, as two jest projects. Jest runs TypeScript through SWC
 * (no type-checking: `npm run typecheck` does that), which keeps the suite fast.
 */
const service = require('./tests/jest.config.js');

module.exports = {
  projects: ['<rootDir>/tests', '<rootDir>/packages/stripe-local'],
  reporters: ['default', '<rootDir>/tests/helpers/summary-reporter.js'],
  // A global option (jest reads no project's own): the service's, which the stand-in's tests stay well within.
  testTimeout: service.testTimeout,
};
