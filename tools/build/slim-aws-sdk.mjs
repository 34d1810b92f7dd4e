// Bundles @aws-sdk/client-ec2's client and only the commands the EC2 driver uses (the names exported
// from src/gimming-agent/drivers/aws/ec2-sdk.ts) into dist/vendor/aws-sdk-client-ec2.cjs, tree-shaken
// from the SDK's ES modules; every other package stays an import of its own. See ec2-sdk.ts for why.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import process from 'node:process';
import { build } from 'rolldown';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const source = readFileSync(join(root, 'src/gimming-agent/drivers/aws/ec2-sdk.ts'), 'utf8');
const list = /export const \{([^}]+)\} = sdk;/.exec(source);
if (!list) throw new Error('slim-aws-sdk: no `export const { ... } = sdk;` in ec2-sdk.ts');
const names = list[1]
  .split(',')
  .map((n) => n.trim())
  .filter(Boolean);
const out = join(root, 'dist', 'vendor');
mkdirSync(out, { recursive: true });
const entry = join(out, '.aws-sdk-client-ec2.entry.mjs');
writeFileSync(entry, `export { ${names.join(', ')} } from '@aws-sdk/client-ec2';\n`);
try {
  await build({
    input: entry,
    platform: 'node',
    treeshake: true,
    logLevel: 'warn',
    resolve: { mainFields: ['module', 'main'] },
    external: (id) => !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('@aws-sdk/client-ec2'),
    output: { file: join(out, 'aws-sdk-client-ec2.cjs'), format: 'cjs' },
  });
} finally {
  rmSync(entry, { force: true });
}
process.stdout.write(`slim-aws-sdk: dist/vendor/aws-sdk-client-ec2.cjs (${names.length} exports)\n`);
