// ESLint flat config: typescript-eslint's type-checked rules, import-x's dependency check, and
// eslint-config-prettier last so formatting is Prettier's alone (`npm run lint` runs both).
import { defineConfig } from 'eslint/config';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

// Code that never ships in the image may use devDependencies.
const DEV_FILES = [
  'tests/**',
  'bench/**',
  'scripts/**',
  'local/**',
  'deploy/**',
  'workloads/**',
  'examples/**',
  'codegen.ts',
  'eslint.config.mjs',
  'jest.config.js',
];

export default defineConfig(
  {
    ignores: [
      // Generated (npm run generate): never edited by hand.
      'subgraphs/*/generated/**',
      'client/generated/**',
      'schema/**',
      'dist/**',
      'cdk.out/**',
      'coverage/**',
      'bench/.build/**',
      'bench/peers/node_modules/**',
      'bench/results/**',
      '.local/**',
      'test-artifacts/**',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // vite.config.ts sits outside examples/web/tsconfig.json's `src`: the default project types it.
        projectService: { allowDefaultProject: ['examples/web/vite.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
      globals: { ...globals.node },
    },
    plugins: { 'import-x': importX },
    // Relative imports name TypeScript files without their extension.
    settings: { 'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.cjs', '.mjs', '.json', '.node'] })] },
    rules: {
      'import-x/no-extraneous-dependencies': ['error', { devDependencies: DEV_FILES, optionalDependencies: false, peerDependencies: false }],
      // The benchmark and the tests share only workloads/ (the bench smoke test runs bench/run.ts
      // as a process, importing nothing from it).
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            { target: './tests', from: './bench', message: 'share it through workloads/ instead' },
            { target: './bench', from: './tests', message: 'share it through workloads/ instead' },
            { target: './workloads', from: ['./bench', './tests'], message: 'workloads/ is the neutral ground: it imports neither' },
          ],
        },
      ],
      // `_`-prefixed names are deliberate: unused positional parameters and discarded rest siblings.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      // Off: Apollo's plugin hooks, the cache interface and readiness checks are typed as returning
      // Promises; an `async` method without `await` is how an implementation meets them (dropping
      // `async` means wrapping every return in Promise.resolve, and a throw no longer rejects).
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // The bench's peer gateways resolve from the root's node_modules and from bench/peers' own.
    files: ['bench/peers/**'],
    rules: {
      'import-x/no-extraneous-dependencies': ['error', { devDependencies: true, packageDir: [import.meta.dirname, `${import.meta.dirname}/bench/peers`] }],
    },
  },
  {
    // @graphql-hive/gateway is installed only when the bench runs Hive (bench/peers/node_modules):
    // without it its types are unresolved and every use of them reads as `any`.
    files: ['bench/peers/gateway.config.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
  {
    // Tests read JSON answers, CloudFormation templates and patched Apollo internals and check
    // their shape with expect(); typing each one first would restate every assertion as a type.
    // The unsafe-any rules stay on for every shipped module.
    files: ['tests/**'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // Plain JavaScript (jest.config.js, scripts/check-node.cjs, this file): no type information.
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.cjs', 'jest.config.js'],
    languageOptions: { sourceType: 'commonjs' },
  },
  {
    files: ['examples/web/src/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  prettier,
);
