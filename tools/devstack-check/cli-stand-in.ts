/**
 * The gimming CLI as the DevStack plugin runs it, for devstack-check (run.sh): the cloud it names is
 * resolved from DevStack's clouds.yaml with GIMinG's own reader, as the real CLI does before its first
 * request; the request itself, to an API that is not running here, is answered from a record of the
 * clouds created so far. Recorded in $CALLS: gimming-cli, the cloud, the CA it got, how many top-level
 * `functional:` keys clouds.yaml had (DevStack appends one on every stack.sh), then the command.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveCloud, type CloudConfig } from '../../src/gimmingclient/cloud-config';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run tools/devstack-check/run.sh)`);
  return value;
};
const ROOT = env('ROOT');
const CALLS = env('CALLS');

const args = process.argv.slice(2);
function option(name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  args.splice(i, 2);
  return value;
}
const cloud = option('--os-cloud');
const cacert = option('--os-cacert');

const cloudsYaml = join(ROOT, 'etc', 'openstack', 'clouds.yaml');
process.env.OS_CLIENT_CONFIG_FILE = cloudsYaml;
let resolved: CloudConfig;
try {
  resolved = resolveCloud({ ...(cloud ? { cloud } : {}), overrides: cacert ? { cacert } : {} });
} catch (err) {
  console.error(`gimming: ${(err as Error).message}`);
  process.exit(1);
}
const functional = (readFileSync(cloudsYaml, 'utf8').match(/^functional:/gm) ?? []).length;
appendFileSync(
  CALLS,
  [`gimming-cli`, cloud ?? '', resolved.cacert ?? '', String(functional), ...args].join('\t') + '\n',
);
if (!resolved.auth?.auth_url) {
  console.error(`gimming: cloud ${cloud ?? '(none)'} has no auth_url`);
  process.exit(1);
}
if (process.env.TLS === 'True' && !(resolved.cacert && existsSync(resolved.cacert))) {
  // node trusts only its own CAs: without DevStack's, the CLI cannot reach the TLS proxy.
  console.error('gimming: unable to verify the first certificate (no CA under tls-proxy)');
  process.exit(1);
}

const clouds = join(ROOT, 'api-clouds');
mkdirSync(clouds, { recursive: true });
const [resource, action, name] = args;
if (resource === 'cloud' && action === 'show' && name) process.exit(existsSync(join(clouds, name)) ? 0 : 1);
if (resource === 'cloud' && action === 'create' && name) {
  writeFileSync(join(clouds, name), args.join(' '));
  process.exit(0);
}
console.error(`gimming (devstack-check stand-in): ${args.join(' ')} is not known`);
process.exit(1);
