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
  // At least two workers: on a 2-core CI machine jest's default (cores - 1) runs every suite one
  // after another, and the real-tool suites spend most of their time waiting for podman, dockerd
  // and npm, which another suite's work can use.
  maxWorkers: Math.max(2, require('os').availableParallelism() - 1),
};
