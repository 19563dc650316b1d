// The dependency rule, checked by `pnpm lint` (depcruise). Paths are relative to where it runs: the repository root.
const path = require('node:path');

/** Test tooling: never reached from production code. */
const TEST_TOOLING = [
  '^packages/(testkit|test-support)/',
  '^@medic/(testkit|test-support)$',
  '(^|/)node_modules/(@jest|jest[^/]*|ts-jest|fast-check|@types/jest)/',
  '^(@jest/.+|jest|ts-jest|fast-check)$',
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-imports-only-valibot',
      comment: '@medic/domain is the pure core: its code (testing/ included) imports its own modules and valibot, no Node built-in and no other package.',
      severity: 'error',
      from: { path: '^packages/domain/src/', pathNot: '\\.test\\.ts$' },
      to: { pathNot: ['^packages/domain/src/', '(^|/)node_modules/valibot/', '^valibot$'] },
    },
    {
      name: 'production-code-imports-no-test-tooling',
      comment: 'Production code (every package and app, the simulator included) never imports the contract suites, the test-support module or a test framework.',
      severity: 'error',
      from: { path: '^(packages|apps)/[^/]+/src/', pathNot: ['\\.test\\.ts$', '/testing/', '^packages/(testkit|test-support)/'] },
      to: { path: TEST_TOOLING },
    },
    {
      name: 'packages-import-no-app',
      comment: 'Adapters and the core never depend on an application.',
      severity: 'error',
      from: { path: '^packages/' },
      to: { path: ['^apps/', '^bench/', '^@medic/(agent|simulator)$'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['(^|/)dist/', '(^|/)node_modules/'] },
    // Type-only imports count too: a port's types may come only from where the rule allows.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: path.join(__dirname, 'tsconfig.json') },
    // Workspace packages resolve to their TypeScript sources, as in the tests.
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['medic-source', 'types', 'import', 'require', 'node', 'default'], extensions: ['.ts', '.d.ts', '.js'] },
  },
};
