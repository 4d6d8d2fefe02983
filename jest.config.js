/** @type {import('jest').Config} */
const shared = {
  testEnvironment: 'node',
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
};

/**
 * Two projects. `unit` (tests/unit, `npm run test:unit`) starts no server: no Java, Redis or
 * Chromium. `integration` is everything else (integration, e2e, deploy, bench smoke), sharing the
 * local servers started once by the global setup, which Jest runs only when a test of this project
 * is selected. `npm test` runs both.
 */
/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 60000,
  // Exit once the global teardown is done, even if a test leaked a handle (the teardown lists what
  // is still open): a leak must fail loudly in the log, not hang CI for its 90 minutes.
  forceExit: true,
  projects: [
    { ...shared, displayName: 'unit', roots: ['<rootDir>/tests/unit'] },
    {
      ...shared,
      displayName: 'integration',
      roots: ['<rootDir>/tests'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/tests/unit/'],
      // Integration tests share local servers started once (DynamoDB Local, fauxqs, redis).
      globalSetup: '<rootDir>/tests/support/global-setup.ts',
      globalTeardown: '<rootDir>/tests/support/global-teardown.ts',
    },
  ],
};
