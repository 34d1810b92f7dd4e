/**
 * The DevStack plugin (devstack/), run phase by phase by bash with stand-ins for the DevStack functions
 * it calls (devstack-stand-ins.sh): the configuration it writes must be accepted by GIMinG's own loader,
 * and what it asks of Keystone, MySQL and systemd must be what a deployment needs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { requireOptions } from '../../../src/common/config/load';
import { loadConfig } from '../../support/config';
import type { GimmingConfig } from '../../../src/common/config/schema';
import { agentRpcAuth } from '../../../src/common/grpc/auth';
import { DAEMON_NODE_FLAGS } from '../../../src/common/daemon-node-flags';
import { parseConnection } from '../../../src/gimming-conductor/db/data-source';

// Run from dist/tests/unit/deploy/.
const REPO = resolve(__dirname, '..', '..', '..', '..');
const STAND_INS = join(REPO, 'tests', 'unit', 'deploy', 'devstack-stand-ins.sh');
const ALL_PHASES = ['stack:install', 'stack:post-config', 'stack:extra'];

const FAKE_NODE = `#!/usr/bin/env bash
if [[ $1 == --version ]]; then echo "\${FAKE_NODE_VERSION:-v22.12.0}"; exit 0; fi
printf 'node\\t%s\\n' "$*" >>"$CALLS"
# No cloud is registered yet.
[[ $* == *" cloud show "* ]] && exit 1
exit 0
`;
const FAKE_NPM = `#!/usr/bin/env bash
printf 'npm\\t%s\\t%s\\n' "$PWD" "$*" >>"$CALLS"
`;
const FAKE_PYTHON = `#!/usr/bin/env bash
printf 'python\\t%s\\n' "$*" >>"$CALLS"
`;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  calls: string[][];
}

/** One DevStack host: its own /opt/stack, /etc/gimming, fake node, npm and python. */
class Host {
  readonly root = mkdtempSync(join(tmpdir(), 'gimming-devstack-'));
  readonly bin = join(this.root, 'bin');
  readonly dest = join(this.root, 'opt', 'stack');
  readonly confDir = join(this.root, 'etc', 'gimming');
  readonly conf = join(this.confDir, 'gimming.conf');
  readonly calls = join(this.root, 'calls');
  readonly node = join(this.bin, 'node');
  /** GIMMING_BIN_DIR, /usr/local/bin in DevStack. */
  readonly commands = join(this.root, 'usr', 'local', 'bin');

  constructor(private readonly env: Record<string, string> = {}) {
    mkdirSync(this.bin, { recursive: true });
    mkdirSync(this.commands, { recursive: true });
    mkdirSync(join(this.dest, 'devstack', 'tools'), { recursive: true });
    writeFileSync(join(this.dest, 'devstack', 'tools', 'update_clouds_yaml.py'), '');
    for (const [name, text] of [
      ['node', FAKE_NODE],
      ['npm', FAKE_NPM],
      ['python', FAKE_PYTHON],
    ] as const) {
      writeFileSync(join(this.bin, name), text);
      chmodSync(join(this.bin, name), 0o755);
    }
  }

  /** Runs the steps (`stack:install`, `unstack`, ...) in one bash, as one stack.sh run does. */
  run(steps: string[], env: Record<string, string> = {}): Run {
    rmSync(this.calls, { force: true });
    writeFileSync(this.calls, '');
    const result = spawnSync('bash', [STAND_INS, ...steps], {
      encoding: 'utf8',
      env: {
        PATH: `${this.bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
        HOME: this.root,
        CALLS: this.calls,
        DEST: this.dest,
        GIMMING_DIR: REPO,
        GIMMING_CONF_DIR: this.confDir,
        GIMMING_BIN_DIR: this.commands,
        PYTHON: join(this.bin, 'python'),
        ...this.env,
        ...env,
      },
    });
    const calls = readFileSync(this.calls, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => line.split('\t'));
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls };
  }

  agentConf(region: string): string {
    return join(this.confDir, `agent-${region}.conf`);
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

function succeeded(run: Run): Run {
  assert.equal(run.status, 0, `the plugin failed:\n${run.stdout}\n${run.stderr}`);
  return run;
}

function named(calls: string[][], name: string): string[][] {
  return calls.filter((c) => c[0] === name);
}

function indexOf(calls: string[][], predicate: (c: string[]) => boolean, what: string): number {
  const i = calls.findIndex(predicate);
  assert.ok(i >= 0, `no call ${what} in:\n${calls.map((c) => c.join(' ')).join('\n')}`);
  return i;
}

/** What each daemon checks at start-up (src/cmd/*.ts): the file loads, the daemon's options are set. */
function validFor(config: GimmingConfig, daemon: 'api' | 'conductor' | 'agent'): void {
  if (daemon === 'api') {
    requireOptions(config, [
      ['keystone_authtoken', 'auth_url'],
      ['keystone_authtoken', 'password'],
    ]);
  }
  if (daemon === 'conductor') requireOptions(config, [['database', 'connection']]);
  assert.ok(agentRpcAuth(config).signer, 'calls to agents are signed');
}

describe('DevStack plugin', function () {
  this.timeout(60000);
  const hosts: Host[] = [];
  const host = (env: Record<string, string> = {}) => {
    const h = new Host(env);
    hosts.push(h);
    return h;
  };
  after(() => hosts.forEach((h) => h.remove()));

  describe('on an all-in-one DevStack with one region', () => {
    let h: Host;
    let run: Run;
    before(() => {
      // The oldest Node.js GIMinG supports, found on PATH.
      h = host({ FAKE_NODE_VERSION: 'v20.19.0' });
      run = succeeded(h.run(ALL_PHASES));
    });

    it('installs the npm packages and builds, in GIMMING_DIR', () => {
      const npm = named(run.calls, 'npm');
      assert.deepEqual(npm, [
        ['npm', REPO, 'ci --no-audit --no-fund'],
        ['npm', REPO, 'run build'],
      ]);
    });

    it('installs the openstack client plugin with setup_develop', () => {
      assert.deepEqual(named(run.calls, 'setup_develop'), [
        ['setup_develop', join(REPO, 'python-gimmingclient')],
      ]);
    });

    it('puts a command for each of bin/ in GIMMING_BIN_DIR that runs it with the chosen node', () => {
      const names = readdirSync(join(REPO, 'bin')).sort();
      assert.ok(names.includes('gimming') && names.includes('gimming-manage'));
      assert.deepEqual(readdirSync(h.commands).sort(), names);
      writeFileSync(h.calls, '');
      const result = spawnSync(join(h.commands, 'gimming-manage'), ['db', 'version'], {
        encoding: 'utf8',
        env: { CALLS: h.calls },
      });
      assert.equal(result.status, 0, result.stderr);
      assert.equal(
        readFileSync(h.calls, 'utf8'),
        `node\t${join(REPO, 'bin', 'gimming-manage')} db version\n`,
      );
    });

    it('writes a gimming.conf that every daemon accepts', () => {
      const config = loadConfig([h.conf], {});
      validFor(config, 'api');
      validFor(config, 'conductor');
      assert.equal(config.DEFAULT.debug, true);
      assert.equal(config.DEFAULT.transport_url, 'rabbit://stackrabbit:secretrabbit@192.0.2.10:5672/');
      assert.deepEqual(parseConnection(config.database.connection), {
        host: '127.0.0.1',
        port: 3306,
        username: 'root',
        password: 'secretdb',
        database: 'gimming',
      });
      const ks = config.keystone_authtoken;
      assert.equal(ks.auth_url, 'http://192.0.2.10/identity');
      assert.equal(ks.www_authenticate_uri, 'http://192.0.2.10/identity');
      assert.equal(ks.username, 'gimming');
      assert.equal(ks.password, 'secretservice');
      assert.equal(ks.project_name, 'service');
      assert.equal(ks.user_domain_name, 'Default');
      assert.equal(ks.project_domain_name, 'Default');
      assert.equal(config.api.bind_port, 9595);
      assert.equal(config.api.public_endpoint, 'http://192.0.2.10:9595');
      assert.equal(config.oslo_policy.policy_file, join(h.confDir, 'policy.yaml'));
      assert.equal(config.agent.rpc_secrets.length, 1);
      assert.match(config.agent.rpc_secrets[0] as string, /^[0-9a-f]{64}$/);
      assert.equal(statSync(h.conf).mode & 0o777, 0o640);
    });

    it("leaves out what DevStack's keystone helper writes for keystonemiddleware only", () => {
      const text = readFileSync(h.conf, 'utf8');
      for (const option of ['interface', 'memcached_servers']) {
        assert.doesNotMatch(text, new RegExp(`^${option}\\s*=`, 'm'));
        assert.match(run.stdout, new RegExp(`GIMinG has no option \\[keystone_authtoken\\] ${option}`));
      }
      // Without tls-proxy DevStack writes cafile empty: GIMinG has the option, and its default is the same.
      assert.doesNotMatch(text, /^cafile\s*=/m);
      assert.equal(loadConfig([h.conf], {}).keystone_authtoken.cafile, null);
    });

    it('runs the daemons without a CA of its own and the API on its port, without a TLS proxy', () => {
      assert.deepEqual(named(run.calls, 'start_tls_proxy'), []);
      assert.ok(named(run.calls, 'run_process').every((c) => !(c[3] ?? '').includes('NODE_EXTRA_CA_CERTS')));
      assert.ok(named(run.calls, 'python').every((c) => !(c[1] ?? '').includes('--os-cacert')));
    });

    it('writes an agent configuration for the region that the agent accepts', () => {
      const config = loadConfig([h.conf, h.agentConf('RegionOne')], {});
      validFor(config, 'agent');
      assert.equal(config.DEFAULT.host, 'devstack1-RegionOne');
      assert.equal(config.agent.zone, 'RegionOne');
      assert.equal(config.agent.bind_port, 9596);
      assert.equal(config.agent.advertise_address, '192.0.2.10:9596');
      assert.equal(config.agent.staging_dir, join(h.dest, 'data', 'gimming', 'staging', 'RegionOne'));
    });

    it('creates the database and syncs the schema before the conductor starts', () => {
      const created = indexOf(
        run.calls,
        (c) => c[0] === 'recreate_database' && c[1] === 'gimming',
        'recreate_database gimming',
      );
      const synced = indexOf(
        run.calls,
        (c) =>
          c[0] === 'node' &&
          c[1] === `${join(REPO, 'bin', 'gimming-manage')} --config-file ${h.conf} db sync`,
        'gimming-manage db sync',
      );
      const started = indexOf(
        run.calls,
        (c) => c[0] === 'run_process' && c[1] === 'gimming-conductor',
        'run_process gimming-conductor',
      );
      assert.ok(created < synced && synced < started);
    });

    it('registers the service user, the image-manager service and its endpoints', () => {
      assert.deepEqual(named(run.calls, 'create_service_user'), [
        ['create_service_user', 'gimming', 'admin'],
      ]);
      assert.deepEqual(named(run.calls, 'get_or_create_service'), [
        ['get_or_create_service', 'gimming', 'image-manager', 'GIMinG image manager'],
      ]);
      const url = 'http://192.0.2.10:9595';
      assert.deepEqual(named(run.calls, 'get_or_create_endpoint'), [
        ['get_or_create_endpoint', 'image-manager', 'RegionOne', url, url, url],
      ]);
    });

    it('starts the conductor, one agent and the API with absolute commands, then waits for the API', () => {
      const started = named(run.calls, 'run_process').map((c) => [c[1], c[2]]);
      const bin = (name: string) => join(REPO, 'bin', name);
      assert.deepEqual(started, [
        ['gimming-conductor', `${h.node} ${bin('gimming-conductor')} --config-file ${h.conf}`],
        [
          'gimming-agent-RegionOne',
          `${h.node} ${DAEMON_NODE_FLAGS['gimming-agent']?.join(' ')} ${bin('gimming-agent')} --config-file ` +
            `${h.conf} --config-file ${h.agentConf('RegionOne')}`,
        ],
        ['gimming-api', `${h.node} ${bin('gimming-api')} --config-file ${h.conf}`],
      ]);
      for (const name of ['gimming-conductor', 'gimming-agent', 'gimming-api']) {
        assert.ok(existsSync(bin(name)), `${bin(name)} exists`);
      }
      assert.deepEqual(named(run.calls, 'wait_for_service'), [
        ['wait_for_service', '60', 'http://192.0.2.10:9595/healthcheck'],
      ]);
    });

    it('gives each daemon unit an ExecReload that sends SIGHUP, and reloads systemd after', () => {
      for (const name of ['gimming-conductor', 'gimming-agent-RegionOne', 'gimming-api']) {
        const unit = readFileSync(join(h.dest, 'systemd', `devstack@${name}.service`), 'utf8');
        const service = unit.slice(unit.indexOf('[Service]'));
        assert.match(service, /^ExecReload ?= ?\/bin\/kill -HUP \$MAINPID$/m, `${name}:\n${unit}`);
        assert.match(service, /^ExecStart ?= ?\S+node /m, 'the unit DevStack wrote is kept');
      }
      // Each unit edited is followed by a daemon-reload, after the start that wrote it.
      const systemctl = run.calls.filter((c) => c[0] === 'systemctl' || c[0] === 'run_process');
      for (const name of ['gimming-conductor', 'gimming-agent-RegionOne', 'gimming-api']) {
        const started = systemctl.findIndex(
          (c) => c[0] === 'systemctl' && c[2] === `devstack@${name}.service`,
        );
        assert.ok(started >= 0, name);
        assert.deepEqual(systemctl[started + 2], ['systemctl', 'daemon-reload'], name);
      }
    });

    it('registers the region as a cloud and adds clouds.yaml entries for the CLI', () => {
      const cli = join(REPO, 'bin', 'gimming');
      assert.deepEqual(
        named(run.calls, 'node')
          .map((c) => c[1])
          .filter((line) => line?.startsWith(`${cli} `)),
        [
          `${cli} --os-cloud devstack-admin cloud show RegionOne`,
          `${cli} --os-cloud devstack-admin cloud create RegionOne --region RegionOne --zone RegionOne`,
        ],
      );
      const entries = named(run.calls, 'python').map((c) => /--os-cloud (\S+)/.exec(c[1] ?? '')?.[1]);
      assert.deepEqual(entries, ['devstack-gimming', 'devstack-gimming-admin']);
    });

    it('keeps the agents secret when stacked again', () => {
      const before = loadConfig([h.conf], {}).agent.rpc_secrets;
      succeeded(h.run(['stack:post-config']));
      assert.deepEqual(loadConfig([h.conf], {}).agent.rpc_secrets, before);
    });
  });

  describe('with GIMMING_AWS_ENABLED for one of two zones', () => {
    let h: Host;
    before(() => {
      h = host({
        GIMMING_REGIONS: 'RegionTwo',
        GIMMING_AWS_ENABLED: 'True',
        GIMMING_AWS_ZONES: 'RegionTwo',
        GIMMING_AWS_EC2_ENDPOINT: 'http://127.0.0.1:9710',
        GIMMING_AWS_S3_ENDPOINT: 'http://127.0.0.1:9711',
        GIMMING_AWS_STS_ENDPOINT: 'http://127.0.0.1:9710',
        GIMMING_AWS_PART_SIZE_MB: '16',
      });
      succeeded(h.run(ALL_PHASES));
    });

    it("runs the aws driver on that zone's agent only, at the endpoints given, with no keys", () => {
      const two = loadConfig([h.conf, h.agentConf('RegionTwo')], {});
      validFor(two, 'agent');
      assert.deepEqual(two.agent.enabled_drivers, ['openstack', 'aws']);
      const aws = (two as unknown as Record<string, Record<string, unknown>>).aws!;
      assert.equal(aws.ec2_endpoint, 'http://127.0.0.1:9710');
      assert.equal(aws.s3_endpoint, 'http://127.0.0.1:9711');
      assert.equal(aws.sts_endpoint, 'http://127.0.0.1:9710');
      assert.equal(aws.part_size_mb, 16);
      assert.equal(aws.upload_concurrency, 2, 'the default when not given');
      const one = loadConfig([h.conf, h.agentConf('RegionOne')], {});
      assert.deepEqual(one.agent.enabled_drivers, ['openstack']);
      const files = [h.conf, h.agentConf('RegionOne'), h.agentConf('RegionTwo')].map((f) =>
        readFileSync(f, 'utf8'),
      );
      assert.ok(!files.some((text) => /access_key|secret_access/i.test(text)), 'no AWS keys written');
    });
  });

  describe('with GIMMING_REGIONS', () => {
    const regions = ['RegionOne', 'RegionTwo', 'RegionThree'];
    let h: Host;
    let run: Run;
    before(() => {
      // RABBIT_HEARTBEAT_TIMEOUT_THRESHOLD makes DevStack's rpc helper write [oslo_messaging_rabbit].
      h = host({
        GIMMING_REGIONS: 'RegionTwo RegionThree RegionTwo',
        RABBIT_HEARTBEAT_TIMEOUT_THRESHOLD: '60',
      });
      run = succeeded(h.run(ALL_PHASES));
    });

    it('registers an endpoint in every region, creating the regions Keystone lacks', () => {
      assert.deepEqual(
        named(run.calls, 'get_or_create_endpoint').map((c) => c[2]),
        regions,
      );
      assert.deepEqual(
        named(run.calls, 'openstack')
          .filter((c) => c.includes('create'))
          .map((c) => c.slice(1).join(' ')),
        [
          '--os-cloud devstack-system-admin region create RegionTwo',
          '--os-cloud devstack-system-admin region create RegionThree',
        ],
      );
    });

    it('runs one agent per region, each in its own zone, port, host name and staging area', () => {
      const agents = named(run.calls, 'run_process')
        .map((c) => c[1])
        .filter((name) => name?.startsWith('gimming-agent'));
      assert.deepEqual(
        agents,
        regions.map((r) => `gimming-agent-${r}`),
      );
      const configs = regions.map((r) => loadConfig([h.conf, h.agentConf(r)], {}));
      configs.forEach((config) => validFor(config, 'agent'));
      assert.deepEqual(
        configs.map((c) => c.agent.zone),
        regions,
      );
      assert.deepEqual(
        configs.map((c) => c.agent.bind_port),
        [9596, 9597, 9598],
      );
      assert.equal(new Set(configs.map((c) => c.DEFAULT.host)).size, 3);
      assert.equal(new Set(configs.map((c) => c.agent.staging_dir)).size, 3);
      assert.equal(new Set(configs.map((c) => c.agent.advertise_address)).size, 3);
    });

    it("has every agent read the other regions' clouds itself, all being on one network", () => {
      const configs = regions.map((r) => loadConfig([h.conf, h.agentConf(r)], {}));
      assert.deepEqual(
        configs.map((c) => c.agent.direct_read_zones),
        regions.map(() => ['*']),
      );
    });

    it('registers every region as a cloud', () => {
      const created = named(run.calls, 'node')
        .map((c) => c[1] ?? '')
        .filter((line) => line.includes(' cloud create '));
      assert.deepEqual(
        created.map((line) => /cloud create (\S+) --region (\S+) --zone (\S+)$/.exec(line)?.slice(1)),
        regions.map((r) => [r, r, r]),
      );
    });

    it('writes no group GIMinG does not have', () => {
      validFor(loadConfig([h.conf], {}), 'conductor');
      assert.match(run.stdout, /GIMinG has no option \[oslo_messaging_rabbit\] heartbeat_timeout_threshold/);
    });

    it('stops the API, every agent and the conductor on unstack, and removes its files on clean', () => {
      const unstack = succeeded(h.run(['unstack']));
      assert.deepEqual(
        named(unstack.calls, 'stop_process').map((c) => c[1]),
        ['gimming-api', ...regions.map((r) => `gimming-agent-${r}`), 'gimming-conductor'],
      );
      assert.ok(existsSync(h.conf));
      succeeded(h.run(['clean']));
      assert.ok(!existsSync(h.confDir), `${h.confDir} is removed`);
      assert.ok(!existsSync(join(h.dest, 'data', 'gimming')));
      assert.deepEqual(readdirSync(h.commands), []);
    });
  });

  describe('with GIMMING_AGENT_DIRECT_READ_ZONES empty', () => {
    it("leaves every copy on the path through the source zone's agent (the option's default)", () => {
      const h = host({ GIMMING_REGIONS: 'RegionTwo', GIMMING_AGENT_DIRECT_READ_ZONES: '' });
      succeeded(h.run(ALL_PHASES));
      for (const region of ['RegionOne', 'RegionTwo']) {
        const config = loadConfig([h.conf, h.agentConf(region)], {});
        assert.deepEqual(config.agent.direct_read_zones, []);
        assert.doesNotMatch(readFileSync(h.agentConf(region), 'utf8'), /direct_read_zones/);
      }
    });
  });

  describe('with tls-proxy', () => {
    let h: Host;
    let run: Run;
    let bundle: string;
    before(() => {
      h = host();
      bundle = join(h.root, 'ca-bundle.pem');
      writeFileSync(bundle, '-----BEGIN CERTIFICATE-----\n');
      // What DevStack sets when tls-proxy is enabled: https service URLs and its CA bundle.
      run = succeeded(
        h.run(ALL_PHASES, {
          ENABLED_SERVICES: 'key,g-api,mysql,rabbit,tls-proxy',
          SERVICE_PROTOCOL: 'https',
          SSL_BUNDLE_FILE: bundle,
        }),
      );
    });

    it("makes every HTTP client of GIMinG trust DevStack's CA", () => {
      const config = loadConfig([h.conf, h.agentConf('RegionOne')], {});
      assert.equal(config.keystone_authtoken.auth_url, 'https://192.0.2.10/identity');
      assert.equal(config.keystone_authtoken.cafile, bundle);
      const groups = config as unknown as Record<string, Record<string, unknown>>;
      assert.equal(groups.glance?.cafile, bundle);
      assert.equal(config.key_manager.cafile, bundle);
      for (const group of ['keystone_authtoken', 'glance', 'key_manager']) {
        assert.equal(groups[group]?.insecure, false, `[${group}] verifies certificates`);
      }
    });

    it('gives every node process the CA in NODE_EXTRA_CA_CERTS', () => {
      const started = named(run.calls, 'run_process');
      assert.deepEqual(
        started.map((c) => c[1]),
        ['gimming-conductor', 'gimming-agent-RegionOne', 'gimming-api'],
      );
      for (const c of started) assert.equal(c[3], `NODE_EXTRA_CA_CERTS=${bundle}`, c[1]);
    });

    it("puts the API behind DevStack's TLS proxy and registers its https endpoint", () => {
      const config = loadConfig([h.conf], {});
      assert.equal(config.api.bind_host, '127.0.0.1');
      assert.equal(config.api.bind_port, 19595);
      assert.equal(config.api.public_endpoint, 'https://192.0.2.10:9595');
      assert.deepEqual(named(run.calls, 'start_tls_proxy'), [
        ['start_tls_proxy', 'gimming-api', '*', '9595', '192.0.2.10', '19595'],
      ]);
      assert.deepEqual(
        named(run.calls, 'get_or_create_endpoint').map((c) => c.slice(3)),
        [['https://192.0.2.10:9595', 'https://192.0.2.10:9595', 'https://192.0.2.10:9595']],
      );
    });

    it("runs the CLI that registers the clouds with DevStack's CA", () => {
      const cli = join(REPO, 'bin', 'gimming');
      const runs = named(run.calls, 'node')
        .map((c) => c[1] ?? '')
        .filter((line) => line.startsWith(`${cli} `));
      assert.equal(runs.length, 2);
      for (const line of runs)
        assert.ok(line.startsWith(`${cli} --os-cloud devstack-admin --os-cacert ${bundle} `), line);
    });

    it('writes clouds.yaml entries for the CLI with the CA', () => {
      const entries = named(run.calls, 'python');
      assert.equal(entries.length, 2);
      for (const c of entries) assert.match(c[1] ?? '', new RegExp(`--os-cacert ${bundle} `));
    });
  });

  describe('on a node that only runs an agent', () => {
    const secret = 'an-operator-chosen-secret-of-40-characters';
    let h: Host;
    let run: Run;
    before(() => {
      h = host({
        LOCALRC_DISABLE: 'gimming-api gimming-conductor',
        REGION_NAME: 'RegionTwo',
        ENABLED_SERVICES: 'rabbit',
        GIMMING_RPC_SECRET: secret,
      });
      run = succeeded(h.run(ALL_PHASES));
    });

    it('runs the agent of its region with the given secret and no database', () => {
      assert.deepEqual(
        named(run.calls, 'run_process').map((c) => c[1]),
        ['gimming-agent-RegionTwo'],
      );
      const config = loadConfig([h.conf, h.agentConf('RegionTwo')], {});
      validFor(config, 'agent');
      assert.deepEqual(config.agent.rpc_secrets, [secret]);
      assert.equal(config.agent.zone, 'RegionTwo');
      assert.equal(config.database.connection, null);
    });

    it('leaves Keystone, the database and the clouds to the controller', () => {
      for (const name of [
        'recreate_database',
        'create_service_user',
        'get_or_create_service',
        'get_or_create_endpoint',
        'openstack',
        'wait_for_service',
        'python',
      ]) {
        assert.deepEqual(named(run.calls, name), [], name);
      }
      assert.deepEqual(named(run.calls, 'node'), []);
    });
  });

  it('passes a password with # and ; to GIMinG whole, as oslo.config reads it', () => {
    const h = host({ SERVICE_PASSWORD: 'pa#ss;word' });
    succeeded(h.run(['stack:post-config']));
    assert.equal(loadConfig([h.conf], {}).keystone_authtoken.password, 'pa#ss;word');
  });

  it('leaves the openstack client plugin out with GIMMING_INSTALL_OSC_PLUGIN=False', () => {
    const h = host({ FAKE_NODE_VERSION: 'v20.19.0', GIMMING_INSTALL_OSC_PLUGIN: 'False' });
    const run = succeeded(h.run(['stack:install']));
    assert.deepEqual(named(run.calls, 'setup_develop'), []);
    assert.equal(named(run.calls, 'npm').length, 2);
  });

  it('creates a GIMMING_BIN_DIR that does not exist yet', () => {
    const h = host();
    const bin = join(h.root, 'opt', 'gimming-bin');
    succeeded(h.run(['stack:install'], { GIMMING_BIN_DIR: bin }));
    assert.ok(existsSync(join(bin, 'gimming-manage')));
  });

  it('uses the database of GIMMING_DATABASE_NAME', () => {
    const h = host({ GIMMING_DATABASE_NAME: 'gimming_ci' });
    const run = succeeded(h.run(['stack:post-config']));
    assert.deepEqual(named(run.calls, 'recreate_database'), [['recreate_database', 'gimming_ci']]);
    const url = loadConfig([h.conf], {}).database.connection;
    assert.equal(parseConnection(url).database, 'gimming_ci');
  });

  it('downloads nothing with OFFLINE=True: no npm ci, no Node.js download', () => {
    const h = host({ OFFLINE: 'True' });
    const run = succeeded(h.run(['stack:install']));
    assert.deepEqual(named(run.calls, 'npm'), [['npm', REPO, 'run build']]);
    // Without a usable node on PATH, OFFLINE refuses to download one (and says why).
    const old = host({ OFFLINE: 'True', FAKE_NODE_VERSION: 'v18.0.0' });
    const refused = old.run(['stack:install'], { GIMMING_NODE_DIR: join(old.root, 'no-node') });
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /OFFLINE=True and no Node\.js/);
  });

  describe('refuses', () => {
    it('a Node.js older than 20.19', () => {
      const h = host();
      const run = h.run(['stack:install'], { GIMMING_NODE: h.node, FAKE_NODE_VERSION: 'v20.18.3' });
      assert.notEqual(run.status, 0);
      assert.match(run.stderr, /is not Node\.js >= 20\.19/);
      assert.deepEqual(named(run.calls, 'npm'), []);
    });

    it('an agents secret shorter than 32 characters', () => {
      const h = host({ GIMMING_RPC_SECRET: 'too-short' });
      const run = h.run(['stack:post-config']);
      assert.notEqual(run.status, 0);
      assert.match(run.stderr, /GIMMING_RPC_SECRET must be at least 32 characters/);
    });

    it('a region name that cannot name a zone and a cloud', () => {
      const h = host({ GIMMING_REGIONS: 'Region/Two' });
      const run = h.run(['stack:post-config']);
      assert.notEqual(run.status, 0);
      assert.match(run.stderr, /cannot name a zone or cloud after the region 'Region\/Two'/);
    });
  });

  describe('bash', () => {
    // With the developer's check against DevStack's own functions (tools/devstack-check, not run in CI).
    const check = join(REPO, 'tools', 'devstack-check');
    const scripts = [
      'devstack/settings',
      'devstack/plugin.sh',
      'devstack/lib/gimming',
      STAND_INS,
      join(check, 'run.sh'),
      join(check, 'stack.sh'),
      ...readdirSync(join(check, 'stand-ins')).map((f) => join(check, 'stand-ins', f)),
    ];

    it('parses', () => {
      for (const script of scripts) {
        const result = spawnSync('bash', ['-n', resolve(REPO, script)], { encoding: 'utf8' });
        assert.equal(result.status, 0, `${script}: ${result.stderr}`);
      }
    });

    it('is shellcheck-clean', function () {
      const result = spawnSync('shellcheck', ['-x', ...scripts], { cwd: REPO, encoding: 'utf8' });
      if (result.error) this.skip(); // shellcheck is not installed
      assert.equal(result.status, 0, result.stdout);
    });
  });

  it("DevStack's keystone helper alone writes a file GIMinG refuses (which is why the plugin filters)", () => {
    const h = host();
    const file = join(h.root, 'raw.conf');
    const result = spawnSync(
      'bash',
      ['-c', `source "${STAND_INS}" && configure_keystone_authtoken_middleware "${file}" gimming`],
      {
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          CALLS: h.calls,
          DEST: h.dest,
          GIMMING_DIR: REPO,
          GIMMING_CONF_DIR: h.confDir,
          PYTHON: 'true',
        },
      },
    );
    assert.equal(result.status, 0, result.stderr);
    assert.throws(() => loadConfig([file], {}), /unknown option "interface" in \[keystone_authtoken\]/);
  });
});
