// Bundles the client and only the commands the aws driver uses of @aws-sdk/client-ec2 and
// @aws-sdk/client-s3 (the names exported from src/gimming-agent/drivers/aws/ec2-sdk.ts and s3-sdk.ts)
// into dist/vendor/aws-sdk-client-ec2.cjs and aws-sdk-client-s3.cjs, tree-shaken from the SDK's ES
// modules; every other package stays an import of its own. See ec2-sdk.ts for why.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import process from 'node:process';
import { build } from 'rolldown';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(root, 'dist', 'vendor');
mkdirSync(out, { recursive: true });

const BUNDLES = [
  { module: 'ec2-sdk.ts', pkg: '@aws-sdk/client-ec2', file: 'aws-sdk-client-ec2.cjs' },
  { module: 's3-sdk.ts', pkg: '@aws-sdk/client-s3', file: 'aws-sdk-client-s3.cjs' },
];

for (const { module, pkg, file } of BUNDLES) {
  const source = readFileSync(join(root, 'src/gimming-agent/drivers/aws', module), 'utf8');
  const list = /export const \{([^}]+)\} = sdk;/.exec(source);
  if (!list) throw new Error(`slim-aws-sdk: no \`export const { ... } = sdk;\` in ${module}`);
  const names = list[1]
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  const entry = join(out, `.${file}.entry.mjs`);
  writeFileSync(entry, `export { ${names.join(', ')} } from '${pkg}';\n`);
  try {
    await build({
      input: entry,
      platform: 'node',
      treeshake: true,
      logLevel: 'warn',
      resolve: { mainFields: ['module', 'main'] },
      external: (id) => !id.startsWith('.') && !id.startsWith('/') && !id.startsWith(pkg),
      output: { file: join(out, file), format: 'cjs' },
    });
  } finally {
    rmSync(entry, { force: true });
  }
  process.stdout.write(`slim-aws-sdk: dist/vendor/${file} (${names.length} exports)\n`);
}
