import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', 'bench/results/**', '.ci/out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // The core is handed its clock, randomness and timers through ports (ARCHITECTURE.md, Dependency rule); its imports are checked by .dependency-cruiser.cjs.
    files: ['packages/domain/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-syntax': ['error', { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'The core reads the time from its Clock port, not new Date().' }],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'The core reads the time from its Clock port, not Date.now().' },
        { object: 'Math', property: 'random', message: 'The core draws no randomness of its own.' },
      ],
      'no-restricted-globals': [
        'error',
        ...['setTimeout', 'setInterval', 'setImmediate'].map((name) => ({ name, message: 'The core waits through its Clock port, not timers.' })),
        { name: 'crypto', message: 'The core draws no randomness and computes no MAC itself: both are handed in.' },
        { name: 'process', message: 'The core does not read the process; configuration is handed in.' },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly', console: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
