import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const ignores = {
  ignores: [
    '**/node_modules/**',
    '**/.next/**',
    '**/.next-*/**',
    '**/test-results/**',
    '**/dist/**',
    '**/.turbo/**',
    '**/next-env.d.ts',
  ],
};

const houseRules = {
  '@typescript-eslint/no-unused-vars': [
    'error',
    { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
  ],
  '@typescript-eslint/consistent-type-imports': 'error',
  'no-console': 'off',
};

const AUDIT_MESSAGE =
  'Audit columns and RowVersion are written only through packages/db/src/rules.ts (stampInsert, insertAudited, versionedUpdate, auditedSet, auditedUpdateWhere, stampRowImage).';
const AUDIT_COLUMNS = '/^(updatedAt|modifiedBy|createdAt|createdBy)$/';
const auditColumnWrites = [
  // An object literal handed straight to `.set()` or `.values()`.
  `CallExpression[callee.property.name=/^(set|values)$/] > ObjectExpression > Property[key.name=${AUDIT_COLUMNS}]`,
  `CallExpression[callee.property.name=/^(set|values)$/] > ObjectExpression > Property[key.name='rowVersion']`,
  // A stamp computed in place (`updatedAt: now`, `modifiedBy: actor`, `createdAt: nowIso()`).
  `Property[key.name=${AUDIT_COLUMNS}][value.type=/^(CallExpression|Identifier|TemplateLiteral)$/]:not([shorthand=true])`,
  // A RowVersion bump (`rowVersion: sql\`… + 1\``, `rowVersion: current + 1`).
  `Property[key.name='rowVersion'][value.type=/^(TaggedTemplateExpression|BinaryExpression)$/]`,
].map((selector) => ({ selector, message: AUDIT_MESSAGE }));

/**
 * Shared flat config (plain ESM: a TypeScript config would need jiti on Node 20), on the
 * type-checked presets: the compiler's types decide (a promise nobody awaits, a condition that
 * is always true, a `!` that hides a missing row). Tests may use `!` after an expect (a wrong
 * guess fails the test loudly); source code may not.
 */
export const typeCheckedConfig = tseslint.config(
  ignores,
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: { globals: { ...globals.node }, parserOptions: { projectService: true } },
    rules: {
      ...houseRules,
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unnecessary-condition': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      // It asks for `!` where a cast narrows, which no-non-null-assertion forbids.
      '@typescript-eslint/non-nullable-type-assertion-style': 'off',
      // An empty string (an unset environment variable) falls back to the default on purpose.
      '@typescript-eslint/prefer-nullish-coalescing': [
        'error',
        { ignorePrimitives: { string: true } },
      ],
    },
  },
  {
    files: ['**/test/**', '**/bench/**', '**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      // vitest's asymmetric matchers (expect.any, expect.stringMatching, …) are typed `any`.
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
  {
    // The data rules live once, in packages/db/src/rules.ts: no other source stamps the audit
    // columns or bumps RowVersion. Reading them (`table.updatedAt`, `row.rowVersion`) and naming
    // the RowVersion a caller read (`{ id, rowVersion }`) are fine. The legacy importer keeps the
    // old database's own audit values, so it is the one exception.
    files: ['**/src/**/*.{ts,tsx}'],
    ignores: [
      '**/src/rules.ts',
      '**/src/schema/**',
      '**/schema.ts',
      '**/zod.ts',
      '**/src/legacy/**',
    ],
    rules: {
      'no-restricted-syntax': ['error', ...auditColumnWrites],
    },
  },
  { files: ['**/*.{js,mjs,cjs}'], ...tseslint.configs.disableTypeChecked },
);

export default typeCheckedConfig;
