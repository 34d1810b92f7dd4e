// Type-aware linting, with the package borders of the architecture enforced as rules.
import js from '@eslint/js';
import regexp from 'eslint-plugin-regexp';
import tseslint from 'typescript-eslint';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';

const AWS_SDK = {
  group: ['@aws-sdk/*', '@smithy/*'],
  message: 'Only src/gimming-agent/drivers/aws/ may use the AWS SDK: go through the driver interface.',
};
const GOOGLE_SDK = {
  group: ['@google-cloud/*', 'google-gax', 'google-auth-library', 'gaxios'],
  message:
    'Only src/gimming-agent/drivers/gcp/ may use the Google Cloud SDKs: go through the driver interface.',
};

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'src/common/grpc/generated/**',
      'doc/**',
      'api-ref/**',
      'releasenotes/**',
      'bin/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  // Regular expressions run on what clouds and users send: none may backtrack super-linearly (a crafted
  // 16 MiB body must not freeze a daemon), and the plugin's other checks catch plain mistakes.
  regexp.configs['flat/recommended'],
  {
    rules: {
      'regexp/no-super-linear-backtracking': ['error', { report: 'potential' }],
      'regexp/no-super-linear-move': 'error',
      // Style only: `[A-Za-z0-9_]` and `[A-Za-z]` read more plainly than `\w` or an `i` flag, `(a|b)` as
      // plainly as `(?:a|b)`.
      'regexp/prefer-w': 'off',
      'regexp/use-ignore-case': 'off',
      'regexp/no-unused-capturing-group': 'off',
    },
  },
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/only-throw-error': 'off',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
    },
  },
  {
    files: ['src/gimming-api/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/gimming-conductor/*',
                '!**/gimming-conductor/rpcapi',
                '!**/gimming-conductor/rpc-schemas',
              ],
              message: 'gimming-api talks to the conductor only through rpcapi.',
            },
            {
              group: ['typeorm', 'mysql2', '**/gimming-agent/**'],
              message: 'gimming-api has no database access and does not call agents.',
            },
          ],
        },
      ],
    },
  },
  {
    // The SDK speaks the REST API, whose shapes the API's schemas define: it knows nothing of the
    // conductor, and neither do those schemas (the conductor's RPC contract evolves on its own). The
    // next block says the same of the SDK, and that of the API it imports only those schemas.
    files: ['src/gimming-api/schemas/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/gimming-conductor', '**/gimming-conductor/**'],
              message:
                'the REST schemas do not import the conductor: its RPC views are mapped in controllers/v1/respond.ts.',
            },
            {
              group: ['typeorm', 'mysql2', '**/gimming-agent', '**/gimming-agent/**'],
              message: 'the REST schemas import no daemon.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/gimmingclient/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/gimming-conductor', '**/gimming-conductor/**'],
              message: 'the SDK does not import the conductor: REST shapes are in gimming-api/schemas/.',
            },
            {
              group: [
                '**/gimming-api/*',
                '!**/gimming-api/schemas',
                '**/gimming-api/*/**',
                '!**/gimming-api/schemas/*',
              ],
              message: 'of the API, the SDK imports only its REST schemas (gimming-api/schemas/).',
            },
            {
              group: ['typeorm', 'mysql2', '**/gimming-agent', '**/gimming-agent/**'],
              message: 'the SDK imports no daemon.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/gimming-agent/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['typeorm', 'mysql2', '**/gimming-conductor/db/**'],
              message: 'agents have no database access.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/common/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/gimming-api/**', '**/gimming-conductor/**', '**/gimming-agent/**', '**/cmd/**'],
              message: 'common imports no daemon.',
            },
          ],
        },
      ],
    },
  },
  {
    // Only the OpenStack driver knows Glance (issue 12): outside drivers/glance/, no identifier, string,
    // template, regular expression or import path in src/ names it. Comments may.
    files: ['src/**/*.ts'],
    ignores: ['src/gimming-agent/drivers/glance/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...[
          'Identifier[name=/glance/i]',
          'PrivateIdentifier[name=/glance/i]',
          'Literal[value=/glance/i]',
          'Literal[regex.pattern=/glance/i]',
          'TemplateElement[value.raw=/glance/i]',
        ].map((selector) => ({
          selector,
          message: 'Only src/gimming-agent/drivers/glance/ may name Glance: go through the driver interface.',
        })),
      ],
    },
  },
  // Only the EC2 driver knows AWS (issue 13), only the GCE driver Google Cloud (issue 14): elsewhere
  // nothing imports their SDKs (the test support and each cloud's stand-in may). typescript-eslint's rule
  // of the same purpose, so that it adds to the core no-restricted-imports of the blocks above instead of
  // replacing it; each file falls in exactly one of the three blocks.
  {
    files: ['src/**/*.ts', 'tests/**/*.ts', 'tools/**/*.ts'],
    ignores: [
      'src/gimming-agent/drivers/aws/**',
      'src/gimming-agent/drivers/gcp/**',
      'tests/support/**',
      'tools/aws-standin/**',
      'tools/gce-standin/**',
      // The stand-ins' own tests drive them with the real SDKs.
      'tests/functional/aws-standin*.test.ts',
      'tests/functional/gce-standin*.test.ts',
    ],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [AWS_SDK, GOOGLE_SDK] }],
    },
  },
  {
    files: ['src/gimming-agent/drivers/aws/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [GOOGLE_SDK] }] },
  },
  {
    files: ['src/gimming-agent/drivers/gcp/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [AWS_SDK] }] },
  },
  {
    // No module may reach itself through its imports, type-only ones included: a cycle is a design that
    // has lost its layers (and, at run time, a module read half-initialised).
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js'] })],
      'import-x/extensions': ['.ts', '.js'],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    // Tests read JSON answers whose shape is what they assert on.
    files: [
      'tests/**/*.ts',
      'tools/bench/upload.ts',
      'tools/bench/aws.ts',
      'tools/bench/pairs.ts',
      'tools/api-samples/capture.ts',
      'tools/api-samples/capture-webhooks.ts',
      'tools/api-samples/webhooks.ts',
    ],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Tests match the daemons' and their own output, not what a cloud or a user could send.
      'regexp/no-super-linear-move': 'off',
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
