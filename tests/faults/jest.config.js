/** `npm run test:faults`: the fault scenarios (`*.faults.ts`), one at a time; see tests/faults/run.ts. */
const base = require('../jest.config.js');

module.exports = {
  ...base,
  rootDir: '../..',
  displayName: 'faults',
  roots: ['<rootDir>/tests/faults'],
  testMatch: ['**/*.faults.ts'],
  reporters: ['default'],
  maxWorkers: 1,
  // Every scenario stops its processes and servers itself; a handle left by a failed one must not hang CI.
  forceExit: true,
};
