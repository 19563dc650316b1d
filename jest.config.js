/** One jest run for the whole workspace; workspace packages resolve to their TypeScript sources. */

/**
 * Suites that need a service this repository cannot provide. They run only when it is configured; otherwise they are left
 * out of the run, never counted as passed or skipped, and the summary names them as not run.
 */
const needsConfiguredService = [
  { suite: 'packages/elasticsearch/src/elastic-threat-intel.real.test.ts', env: 'ELASTICSEARCH_URL', what: 'real-cluster Elasticsearch tests' },
];
const notRun = needsConfiguredService.filter(({ env }) => !process.env[env]);

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // "medic-source" makes `@medic/*` imports resolve to src/ (see each package's exports), so tests need no build.
  testEnvironmentOptions: { customExportConditions: ['medic-source', 'node', 'node-addons'] },
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  testMatch: ['<rootDir>/packages/*/src/**/*.test.ts', '<rootDir>/apps/*/src/**/*.test.ts', '<rootDir>/apps/*/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', ...notRun.map(({ suite }) => `<rootDir>/${suite.replace(/\./g, '\\.')}$`)],
  testTimeout: 30000,
  maxWorkers: 2,
  reporters: [
    'default',
    ['<rootDir>/scripts/jest-summary-reporter.js', { notRun: notRun.map(({ suite, env, what }) => `${what} (${suite}): ${env} is not set`) }],
  ],
};
