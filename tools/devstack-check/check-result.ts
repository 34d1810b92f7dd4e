/**
 * devstack-check (run.sh): what the plugin left in the scratch directory after stack, unstack and stack
 * again, checked with GIMinG's own code. Prints each finding; exits 1 if any check failed.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig, requireOptions } from '../../src/common/config/load';
import { driverConfigFragments } from '../../src/gimming-agent/drivers/registry';
import { resolveCloud } from '../../src/gimmingclient/cloud-config';

// Run from dist/tools/devstack-check/.
const REPO = resolve(__dirname, '..', '..', '..');
const ROOT = process.env.GIMMING_CHECK_ROOT ?? '';
const TLS = process.env.GIMMING_CHECK_TLS === 'True';
if (!ROOT) throw new Error('GIMMING_CHECK_ROOT is not set (run tools/devstack-check/run.sh)');

let failed = 0;
function check(what: string, fn: () => void): void {
  try {
    fn();
    console.log(`ok    ${what}`);
  } catch (err) {
    failed++;
    console.log(`FAIL  ${what}: ${(err as Error).message}`);
  }
}
function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

const confDir = join(ROOT, 'etc', 'gimming');
const conf = join(confDir, 'gimming.conf');
const calls = readFileSync(join(ROOT, 'calls'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => l.split('\t'));
const bundle = join(ROOT, 'opt', 'stack', 'data', 'ca-bundle.pem');
const daemons = ['gimming-api', 'gimming-conductor', 'gimming-agent-RegionOne'];

check('gimming.conf loads, with what the API and the conductor need', () => {
  const config = loadConfig([conf], {}, driverConfigFragments());
  requireOptions(config, [
    ['keystone_authtoken', 'auth_url'],
    ['keystone_authtoken', 'password'],
    ['database', 'connection'],
  ]);
  if (TLS)
    assert(config.keystone_authtoken.cafile === bundle, `cafile is ${config.keystone_authtoken.cafile}`);
});
check("the agent's configuration loads with gimming.conf", () => {
  const agent = readdirSync(confDir).filter((f) => /^agent-.*\.conf$/.test(f));
  assert(agent.length === 1 && agent[0], `agent files: ${agent.join(', ')}`);
  const config = loadConfig([conf, join(confDir, agent[0])], {}, driverConfigFragments());
  assert(config.agent.zone === 'RegionOne', `zone ${config.agent.zone}`);
});
check('a systemd unit for each daemon, run by an absolute command that exists, reloaded by SIGHUP', () => {
  for (const name of daemons) {
    const file = join(ROOT, 'etc', 'systemd', 'system', `devstack@${name}.service`);
    assert(existsSync(file), `no unit ${file}`);
    const text = readFileSync(file, 'utf8');
    const exec = /^ExecStart = (\S+)/m.exec(text)?.[1];
    assert(exec && existsSync(exec), `${name}: ExecStart ${exec ?? '(none)'} does not exist`);
    assert(/^ExecReload = \S*kill -HUP \$MAINPID$/m.test(text), `${name}: no ExecReload by SIGHUP`);
  }
});
check('the database is recreated and synced on each stack', () => {
  const syncs = calls.filter((c) => c[0] === 'gimming-manage' && / db sync$/.test(c[1] ?? ''));
  assert(syncs.length === 2, `${syncs.length} db syncs`);
  assert(
    calls.some((c) => c[0] === 'mysql' && /CREATE DATABASE gimming\b/.test(c.join(' '))),
    'no CREATE DATABASE gimming',
  );
});
check('the region is registered once, and found registered on the second stack', () => {
  const cli = calls.filter((c) => c[0] === 'gimming-cli');
  const show = cli.filter((c) => c[4] === 'cloud' && c[5] === 'show');
  assert(cli.filter((c) => c[4] === 'cloud' && c[5] === 'create').length === 1, 'cloud create count');
  assert(show.length === 2, `${show.length} cloud show`);
  // The second stack's CLI read a clouds.yaml with `functional:` twice, as openstacksdk accepts it.
  assert(show[1]?.[3] === '2', `the second stack's CLI saw ${show[1]?.[3]} functional: keys`);
  if (TLS)
    assert(
      cli.every((c) => c[2] === bundle),
      "the CLI was not given DevStack's CA",
    );
});
check('clouds.yaml has the plugin’s clouds, as the CLI reads them', () => {
  process.env.OS_CLIENT_CONFIG_FILE = join(ROOT, 'etc', 'openstack', 'clouds.yaml');
  for (const name of ['devstack-gimming', 'devstack-gimming-admin', 'devstack-admin']) {
    const cloud = resolveCloud({ cloud: name });
    assert(cloud.auth.auth_url, `${name} has no auth_url`);
    if (TLS) assert(cloud.cacert === bundle, `${name}: cacert ${cloud.cacert ?? '(none)'}`);
  }
});
check('the commands in GIMMING_BIN_DIR, which did not exist before', () => {
  for (const name of readdirSync(join(REPO, 'bin'))) {
    assert(existsSync(join(ROOT, 'usr', 'local', 'bin', name)), `no ${name}`);
  }
});
check('unstack stopped every daemon it started', () => {
  for (const name of daemons) {
    assert(
      calls.some((c) => c[0] === 'systemctl' && c[1] === `stop devstack@${name}.service`),
      `${name} not stopped`,
    );
  }
});
process.exit(failed ? 1 : 0);
