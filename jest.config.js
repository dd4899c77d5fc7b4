/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // Type-checking happens once in `npm run typecheck`; jest only transpiles.
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  moduleNameMapper: {
    '^prodpath$': '<rootDir>/lib/index.ts',
    '^prodpath/(.*)$': '<rootDir>/lib/$1',
  },
  testTimeout: 120000,
};
