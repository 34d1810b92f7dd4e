/**
 * TLS to the services GIMinG uses, with the real daemons: Keystone, both Glances, Barbican and RabbitMQ
 * are reached only through TLS terminators (tests/support/tls-terminator.ts) on new loopback ports, with
 * certificates of a throw-away CA (tools/testbed/pki.sh); the shared services are not reconfigured.
 *
 * The https image and key-manager endpoints come from the real Keystone catalog: the test registers them
 * in two regions of its own (removed after), and the clouds it registers name those regions. The
 * key-manager endpoint is kept after the test bed's own in the catalog, so that other tests' daemons,
 * which take the first key manager of any region, never pick it.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import https from 'node:https';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { DaemonSet } from '../support/daemons';
import { waitForTasks } from '../support/flows';
import { http, waitFor } from '../support/http';
import { Glance, type Token, issueToken } from '../support/openstack';
import { freePort, useStack } from '../support/stack';
import { REPO_ROOT, TESTBED_DIR, type Testbed, testbed } from '../support/testbed';
import { TlsMariaDb } from '../support/mariadb-tls';
import { TlsTerminator, testPki } from '../support/tls-terminator';

const run = promisify(execFile);

/**
 * The TLS terminators' ports (api: the one in front of the API, for the CLI; keystoneMutual: Keystone
 * again, asking for a client certificate, for the CLI's --os-cert and --os-key) and the https import
 * source's, picked free when the file starts.
 */
const PORT_NAMES = [
  'keystone',
  'glanceA',
  'glanceB',
  'barbican',
  'rabbit',
  'api',
  'importSource',
  'keystoneMutual',
] as const;
const PORTS = {} as Record<(typeof PORT_NAMES)[number], number>;
const IMPORT_DATA = randomBytes(1024 * 1024 + 3);

interface Endpoint {
  id: string;
  region: string;
  url: string;
  interface: string;
}

describe('TLS to the services GIMinG uses', function () {
  this.timeout(300000);
  let bed: Testbed;
  let keystoneUrl: string;
  let barbicanUrl: string;
  let admin: Token;
  let demo: Token;
  const pkiDir = mkdtempSync(join(tmpdir(), 'gimming-outtls-'));
  let pki: { ca: string; cert: string; key: string };
  const terminators: Record<Exclude<keyof typeof PORTS, 'importSource'>, TlsTerminator> = {} as never;
  let client: { cert: string; key: string };
  let importSource: https.Server | undefined;
  const suffix = randomBytes(3).toString('hex');
  const regionA = `GimmingTlsA-${suffix}`;
  const regionB = `GimmingTlsB-${suffix}`;
  const made: { endpoints: string[]; regions: string[] } = { endpoints: [], regions: [] };
  const keystone = (path: string) => `${keystoneUrl}/v3${path}`;

  async function serviceId(type: string): Promise<string> {
    const res = await http('GET', keystone(`/services?type=${type}`), { token: admin.id });
    assert.equal(res.status, 200, res.text);
    return res.body.services[0].id as string;
  }

  async function createEndpoint(type: string, region: string, url: string): Promise<string> {
    const res = await http('POST', keystone('/endpoints'), {
      token: admin.id,
      json: { endpoint: { service_id: await serviceId(type), interface: 'public', region_id: region, url } },
    });
    assert.equal(res.status, 201, res.text);
    made.endpoints.push(res.body.endpoint.id);
    return res.body.endpoint.id as string;
  }

  async function publicEndpoints(type: string): Promise<Endpoint[]> {
    const token = await issueToken(bed, bed.users.admin);
    const service = (token.catalog as Array<{ type: string; endpoints: Endpoint[] }>).find(
      (s) => s.type === type,
    );
    return (service?.endpoints ?? []).filter((e) => e.interface === 'public');
  }

  /** The https key-manager endpoint, registered until the catalog lists it after the test bed's. */
  async function createKeyManagerEndpoint(url: string): Promise<void> {
    for (let attempt = 0; attempt < 12; attempt++) {
      const id = await createEndpoint('key-manager', regionA, url);
      const listed = await publicEndpoints('key-manager');
      if (listed[0] && listed[0].id !== id && listed.some((e) => e.id === id)) return;
      await http('DELETE', keystone(`/endpoints/${id}`), { token: admin.id });
      made.endpoints = made.endpoints.filter((e) => e !== id);
    }
    assert.fail('the catalog keeps listing the test key-manager endpoint first');
  }

  before(async function () {
    this.timeout(600000);
    bed = testbed();
    for (const name of PORT_NAMES) PORTS[name] = await freePort();
    const ids = JSON.parse(readFileSync(join(TESTBED_DIR, 'testbed.json'), 'utf8')) as {
      keystone_url: string;
      barbican_url?: string;
    };
    keystoneUrl = ids.keystone_url.replace(/\/+$/, '');
    assert.ok(ids.barbican_url, 'the test bed runs Barbican (testbed.sh up --barbican)');
    barbicanUrl = ids.barbican_url;
    pki = testPki(pkiDir);
    const target = (url: string) => ({ host: new URL(url).hostname, port: Number(new URL(url).port) });
    client = testPki(pkiDir, 'gimming-client');
    const targets: Record<
      Exclude<keyof typeof PORTS, 'api' | 'importSource'>,
      { host: string; port: number }
    > = {
      keystone: target(keystoneUrl),
      keystoneMutual: target(keystoneUrl),
      glanceA: target(bed.regions.RegionOne!.glance_url),
      glanceB: target(bed.regions.RegionTwo!.glance_url),
      barbican: target(barbicanUrl),
      rabbit: { host: '127.0.0.1', port: 5672 },
    };
    for (const [name, t] of Object.entries(targets)) {
      // Barbican, RabbitMQ and the second Keystone want a client certificate of the test CA.
      const mutual = ['barbican', 'rabbit', 'keystoneMutual'].includes(name);
      const terminator = new TlsTerminator(
        PORTS[name as keyof typeof targets],
        t,
        pki,
        mutual ? pki.ca : undefined,
      );
      await terminator.start();
      terminators[name as keyof typeof targets] = terminator;
    }
    // An image to import, served over https with a certificate of the test CA.
    const source = https.createServer(
      { cert: readFileSync(pki.cert), key: readFileSync(pki.key) },
      (_req, res) => {
        res.writeHead(200, {
          'Content-Type': 'application/octet-stream',
          'Content-Length': IMPORT_DATA.length,
        });
        res.end(IMPORT_DATA);
      },
    );
    await new Promise<void>((resolve) => source.listen(PORTS.importSource, '127.0.0.1', () => resolve()));
    importSource = source;
    [admin, demo] = await Promise.all([issueToken(bed, bed.users.admin), issueToken(bed, bed.users.demo)]);
    for (const region of [regionA, regionB]) {
      const res = await http('POST', keystone('/regions'), {
        token: admin.id,
        json: { region: { id: region, description: 'GIMinG outbound TLS test' } },
      });
      assert.equal(res.status, 201, res.text);
      made.regions.push(region);
    }
    await createEndpoint('image', regionA, terminators.glanceA.url);
    await createEndpoint('image', regionB, terminators.glanceB.url);
    await createKeyManagerEndpoint(terminators.barbican.url);
  });

  after(async function () {
    this.timeout(60000);
    if (admin) {
      for (const id of made.endpoints) {
        await http('DELETE', keystone(`/endpoints/${id}`), { token: admin.id }).catch(() => undefined);
      }
      for (const region of made.regions) {
        await http('DELETE', keystone(`/regions/${region}`), { token: admin.id }).catch(() => undefined);
      }
    }
    for (const t of Object.values(terminators)) await t.stop();
    importSource?.close();
    rmSync(pkiDir, { recursive: true, force: true });
  });

  /** The daemons' options for the TLS terminators, and the CA, where `ca` is true. */
  function tlsConfig(opts: { glanceCa: boolean }): string {
    return `
[DEFAULT]
transport_url = amqps://guest:guest@127.0.0.1:${PORTS.rabbit}/

[oslo_messaging_rabbit]
ssl_ca_file = ${pki.ca}
ssl_cert_file = ${client.cert}
ssl_key_file = ${client.key}

[keystone_authtoken]
cafile = ${pki.ca}

[glance]
${opts.glanceCa ? `cafile = ${pki.ca}` : ''}

[key_manager]
cafile = ${pki.ca}
certfile = ${client.cert}
keyfile = ${client.key}
region_name = ${regionA}

[project_clouds]
cafile = ${pki.ca}
allowed_private_networks = 127.0.0.0/8

[import_filtering]
allowed_ports = 80,443,${PORTS.importSource}
allowed_private_networks = 127.0.0.0/8
${opts.glanceCa ? `cafile = ${pki.ca}` : ''}
`;
  }

  const httpsBed = (): Testbed => ({ ...bed, auth_url: `${terminators.keystone.url}/v3` });

  async function registerTlsClouds(api: string): Promise<void> {
    for (const [name, region] of [
      ['tls-a', regionA],
      ['tls-b', regionB],
    ] as const) {
      const res = await http('POST', `${api}/v1/clouds`, {
        token: admin.id,
        json: { name, type: 'openstack', region_name: region, zone: name === 'tls-a' ? 'zone-a' : 'zone-b' },
      });
      assert.equal(res.status, 201, res.text);
    }
  }

  const importHttps = (api: string) =>
    http('POST', `${api}/v1/images`, {
      token: demo.id,
      json: {
        name: `tls-import-${suffix}`,
        disk_format: 'raw',
        container_format: 'bare',
        source: { url: `https://127.0.0.1:${PORTS.importSource}/image.raw` },
        targets: ['tls-a'],
      },
    });

  async function adopt(api: string, token: Token, source: string, targets: string[]): Promise<any> {
    const glance = new Glance(bed.regions.RegionOne!.glance_url, token.id);
    const { image } = await glance.createWithData(2 * 1024 * 1024 + 5, { name: `tls-${suffix}` });
    const res = await http('POST', `${api}/v1/images`, {
      token: token.id,
      json: { name: `tls-${suffix}`, source: { cloud: source, image_id: image.id }, targets },
    });
    assert.equal(res.status, 202, res.text);
    return { image: res.body, source: image };
  }

  describe('with the CA bundle', () => {
    let daemons: DaemonSet;
    let api: string;
    const stack = useStack({
      daemonBed: httpsBed,
      registerClouds: false,
      extraConfig: () => tlsConfig({ glanceCa: true }),
    });

    before(async () => {
      ({ daemons, api } = stack);
      await registerTlsClouds(api);
    });

    it('faces terminators that refuse a client without a certificate', async () => {
      for (const t of [terminators.barbican, terminators.keystoneMutual]) {
        const failed = t.failedHandshakes;
        await assert.rejects(
          new Promise((resolve, reject) =>
            https.get(`${t.url}/`, { ca: readFileSync(pki.ca) }, resolve).once('error', reject),
          ),
        );
        assert.equal(t.failedHandshakes, failed + 1);
      }
    });

    it('validates tokens with Keystone and talks over RabbitMQ (with a client certificate), through TLS', async () => {
      const res = await http('GET', `${api}/v1/clouds`, { token: demo.id });
      assert.equal(res.status, 200, res.text);
      assert.ok(terminators.keystone.sessions > 0, 'Keystone was reached through TLS');
      // Three daemons, each with its broker connection through the terminator.
      assert.ok(terminators.rabbit.sessions >= 3, `RabbitMQ sessions: ${terminators.rabbit.sessions}`);
      for (const name of ['api', 'conductor', 'agent-zone-a']) {
        const connected = daemons
          .logLines(name)
          .find((l) => l.message === 'connected to the messaging broker');
        assert.match(
          String(connected?.broker),
          new RegExp(`^amqps://guest:\\*\\*\\*@127.0.0.1:${PORTS.rabbit}/`),
        );
      }
    });

    it('syncs an image zone-a -> zone-b with both Glances reached over TLS', async () => {
      const before = { a: terminators.glanceA.sessions, b: terminators.glanceB.sessions };
      const { image, source } = await adopt(api, demo, 'tls-a', ['tls-b']);
      const tasks = await waitForTasks(api, demo.id, image.id);
      assert.equal(tasks[0].status, 'succeeded', JSON.stringify(tasks[0].error));
      const shown = await http('GET', `${api}/v1/images/${image.id}`, { token: demo.id });
      const copy = shown.body.locations.find((l: any) => l.cloud === 'tls-b');
      assert.equal(copy.status, 'active');
      const inB = await new Glance(bed.regions.RegionTwo!.glance_url, demo.id).get(copy.image_id);
      assert.equal(inB.os_hash_value, source.os_hash_value);
      assert.ok(terminators.glanceA.sessions > before.a, 'zone-a Glance was reached through TLS');
      assert.ok(terminators.glanceB.sessions > before.b, 'zone-b Glance was reached through TLS');
      await new Glance(bed.regions.RegionTwo!.glance_url, demo.id).delete(copy.image_id);
    });

    it("reads a project cloud's credentials from Barbican, and reaches its Keystone, over TLS", async () => {
      const stored = await http('POST', `${barbicanUrl}/v1/secrets`, {
        token: admin.id,
        json: {
          name: `gimming-outtls-${suffix}`,
          payload: JSON.stringify({
            username: bed.users.admin.username,
            password: bed.users.admin.password,
            user_domain_name: 'Default',
            project_name: bed.users.admin.project_name,
            project_domain_name: 'Default',
          }),
          payload_content_type: 'text/plain',
        },
      });
      assert.equal(stored.status, 201, stored.text);
      const secretId = (stored.body.secret_ref as string).split('/').pop() as string;
      try {
        const barbicanBefore = terminators.barbican.sessions;
        const cloud = await http('POST', `${api}/v1/clouds`, {
          token: admin.id,
          json: {
            name: `tls-own-${suffix}`,
            type: 'openstack',
            region_name: regionB,
            zone: 'zone-b',
            scope: 'project',
            auth_url: `${terminators.keystone.url}/v3`,
            // By UUID: the conductor makes the href from the (https) key-manager endpoint of its region.
            credentials_ref: secretId,
          },
        });
        assert.equal(cloud.status, 201, cloud.text);
        assert.equal(cloud.body.credentials_ref, `${terminators.barbican.url}/v1/secrets/${secretId}`);
        assert.ok(terminators.barbican.sessions > barbicanBefore, 'the conductor read Barbican over TLS');
        const { image } = await adopt(api, admin, 'tls-a', [`tls-own-${suffix}`]);
        const tasks = await waitForTasks(api, admin.id, image.id);
        assert.equal(tasks[0].status, 'succeeded', JSON.stringify(tasks[0].error));
        const shown = await http('GET', `${api}/v1/images/${image.id}`, { token: admin.id });
        const copy = shown.body.locations.find((l: any) => l.cloud === `tls-own-${suffix}`);
        await new Glance(bed.regions.RegionTwo!.glance_url, admin.id).delete(copy.image_id);
      } finally {
        await http('DELETE', `${barbicanUrl}/v1/secrets/${secretId}`, { token: admin.id });
      }
    });

    it('imports from an https URL signed by the CA of [import_filtering] cafile', async () => {
      const res = await importHttps(api);
      assert.equal(res.status, 202, res.text);
      const tasks = await waitForTasks(api, demo.id, res.body.id);
      for (const t of tasks) assert.equal(t.status, 'succeeded', JSON.stringify(t.error));
      const shown = await http('GET', `${api}/v1/images/${res.body.id}`, { token: demo.id });
      assert.equal(shown.body.size, IMPORT_DATA.length);
      const copy = shown.body.locations.find((l: any) => l.cloud === 'tls-a');
      await new Glance(bed.regions.RegionOne!.glance_url, demo.id).delete(copy.image_id);
    });

    describe('the CLI against the API behind a TLS terminator', () => {
      const cli = (args: string[], env: Record<string, string> = {}) =>
        run(process.execPath, [join(REPO_ROOT, 'bin', 'gimming'), ...args], {
          env: {
            PATH: process.env.PATH ?? '',
            HOME: pkiDir,
            OS_AUTH_URL: `${terminators.keystone.url}/v3`,
            OS_USERNAME: bed.users.demo.username,
            OS_PASSWORD: bed.users.demo.password,
            OS_PROJECT_NAME: bed.users.demo.project_name,
            OS_USER_DOMAIN_NAME: 'Default',
            OS_PROJECT_DOMAIN_NAME: 'Default',
            OS_ENDPOINT_OVERRIDE: terminators.api.url,
            ...env,
          },
        }).then(
          (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
          (e: { code: number; stdout: string; stderr: string }) => ({
            code: e.code,
            stdout: e.stdout,
            stderr: e.stderr,
          }),
        );

      before(async () => {
        terminators.api = new TlsTerminator(PORTS.api, { host: '127.0.0.1', port: stack.ports.api }, pki);
        await terminators.api.start();
      });

      it('trusts the CA given with --os-cacert, OS_CACERT or clouds.yaml cacert', async () => {
        const flag = await cli(['--os-cacert', pki.ca, 'cloud', 'list', '-f', 'json']);
        assert.equal(flag.code, 0, flag.stderr);
        assert.match(flag.stdout, /tls-a/);
        const env = await cli(['cloud', 'list', '-f', 'json'], { OS_CACERT: pki.ca });
        assert.equal(env.code, 0, env.stderr);
        const cloudsYaml = join(pkiDir, 'clouds.yaml');
        writeFileSync(
          cloudsYaml,
          `clouds:
  tls:
    auth:
      auth_url: ${terminators.keystone.url}/v3
      username: ${bed.users.demo.username}
      password: ${bed.users.demo.password}
      project_name: ${bed.users.demo.project_name}
      user_domain_name: Default
      project_domain_name: Default
    cacert: ${pki.ca}
`,
        );
        const yaml = await cli(['--os-cloud', 'tls', 'cloud', 'list', '-f', 'json'], {
          OS_CLIENT_CONFIG_FILE: cloudsYaml,
        });
        assert.equal(yaml.code, 0, yaml.stderr);
        assert.ok(terminators.api.sessions >= 3, 'the API was reached through TLS');
      });

      it('refuses a certificate it cannot verify, and says which option trusts a CA', async () => {
        const res = await cli(['cloud', 'list']);
        assert.equal(res.code, 1);
        assert.match(res.stderr, /could not be verified/);
        assert.match(res.stderr, /--os-cacert/);
      });

      it('presents the client certificate of --os-cert and --os-key, or OS_CERT and OS_KEY', async () => {
        const mutualAuth = { OS_AUTH_URL: `${terminators.keystoneMutual.url}/v3`, OS_CACERT: pki.ca };
        const before = terminators.keystoneMutual.sessions;
        const flags = await cli(
          ['--os-cert', client.cert, '--os-key', client.key, 'cloud', 'list'],
          mutualAuth,
        );
        assert.equal(flags.code, 0, flags.stderr);
        const env = await cli(['cloud', 'list'], { ...mutualAuth, OS_CERT: client.cert, OS_KEY: client.key });
        assert.equal(env.code, 0, env.stderr);
        assert.equal(terminators.keystoneMutual.sessions, before + 2);
        const without = await cli(['cloud', 'list'], mutualAuth);
        assert.equal(without.code, 1, 'Keystone behind mutual TLS refuses the client without a certificate');
        const half = await cli(['--os-cert', client.cert, 'cloud', 'list'], mutualAuth);
        assert.equal(half.code, 1);
        assert.match(half.stderr, /--os-cert and --os-key must be set together/);
      });

      it('skips verification with --insecure, OS_INSECURE or clouds.yaml verify: false', async () => {
        const flag = await cli(['--insecure', 'cloud', 'list']);
        assert.equal(flag.code, 0, flag.stderr);
        const env = await cli(['cloud', 'list'], { OS_INSECURE: 'true' });
        assert.equal(env.code, 0, env.stderr);
        const off = await cli(['cloud', 'list'], { OS_INSECURE: 'false' });
        assert.equal(off.code, 1, 'OS_INSECURE=false verifies');
        const cloudsYaml = join(pkiDir, 'clouds-insecure.yaml');
        writeFileSync(
          cloudsYaml,
          `clouds:
  tls:
    auth:
      auth_url: ${terminators.keystone.url}/v3
      username: ${bed.users.demo.username}
      password: ${bed.users.demo.password}
      project_name: ${bed.users.demo.project_name}
      user_domain_name: Default
      project_domain_name: Default
    verify: false
`,
        );
        const yaml = await cli(['--os-cloud', 'tls', 'cloud', 'list'], { OS_CLIENT_CONFIG_FILE: cloudsYaml });
        assert.equal(yaml.code, 0, yaml.stderr);
      });
    });
  });

  describe('without the CA bundle', () => {
    let daemons: DaemonSet;
    let api: string;
    // Keystone and RabbitMQ are trusted; the Glances are not.
    const stack = useStack({
      daemonBed: httpsBed,
      registerClouds: false,
      extraConfig: () => `${tlsConfig({ glanceCa: false })}\n[conductor]\ntask_max_attempts = 1\n`,
    });

    before(async () => {
      ({ daemons, api } = stack);
      await registerTlsClouds(api);
    });

    it('fails a copy with an error that names the host and [glance] cafile', async () => {
      const res = await http('POST', `${api}/v1/images`, {
        token: demo.id,
        json: {
          name: 'x',
          source: { cloud: 'tls-a', image_id: '00000000-0000-4000-8000-000000000000' },
          targets: ['tls-b'],
        },
      });
      assert.equal(res.status, 503, res.text);
      assert.equal(res.body.error.code, 'gimming.cloud.unreachable');
      assert.match(
        res.body.error.message,
        new RegExp(
          `the TLS certificate of 127.0.0.1:${PORTS.glanceA} could not be verified .*\\[glance\\] cafile`,
        ),
      );
    });

    it('fails an import from an https URL it cannot verify, naming [import_filtering] cafile', async () => {
      const res = await importHttps(api);
      assert.equal(res.status, 202, res.text);
      const tasks = await waitForTasks(api, demo.id, res.body.id);
      const imported = tasks.find((t) => t.type === 'import');
      assert.equal(imported.status, 'failed');
      assert.equal(imported.error.code, 'gimming.import.untrusted', JSON.stringify(imported.error));
      assert.match(imported.error.message, /could not be verified .*\[import_filtering\] cafile/);
    });

    it('answers 503 naming [keystone_authtoken] cafile when Keystone cannot be verified', async () => {
      // The API again, with no CA for Keystone (an empty option is no CA).
      await daemons.restart('api', 'gimming-api', { OS_KEYSTONE_AUTHTOKEN__CAFILE: '' });
      await waitFor(
        'the API',
        async () =>
          (await http('GET', `${api}/healthcheck`).catch(() => undefined))?.status === 200 ? true : undefined,
        30000,
      );
      const res = await http('GET', `${api}/v1/clouds`, { token: demo.id });
      assert.equal(res.status, 503, res.text);
      assert.equal(res.body.error.code, 'gimming.auth.keystone_unreachable');
      assert.match(res.body.error.message, /could not be verified .*\[keystone_authtoken\] cafile/);
      await daemons.restart('api', 'gimming-api', {});
      await waitFor(
        'the API',
        async () =>
          (await http('GET', `${api}/healthcheck`).catch(() => undefined))?.status === 200 ? true : undefined,
        30000,
      );
    });

    it('syncs with [glance] insecure = true', async () => {
      for (const zone of ['zone-a', 'zone-b']) {
        await daemons.restart(
          `agent-${zone}`,
          'gimming-agent',
          daemons.agentEnv(zone, { OS_GLANCE__INSECURE: 'true' }),
        );
      }
      await waitFor(
        'the agents to start again',
        async () =>
          ['zone-a', 'zone-b'].every(
            (zone) =>
              daemons.logLines(`agent-${zone}`).filter((l) => l.message === 'gimming-agent started').length >=
              2,
          )
            ? true
            : undefined,
        30000,
      );
      const { image } = await adopt(api, demo, 'tls-a', ['tls-b']);
      const tasks = await waitForTasks(api, demo.id, image.id);
      assert.equal(tasks[0].status, 'succeeded', JSON.stringify(tasks[0].error));
      const shown = await http('GET', `${api}/v1/images/${image.id}`, { token: demo.id });
      const copy = shown.body.locations.find((l: any) => l.cloud === 'tls-b');
      await new Glance(bed.regions.RegionTwo!.glance_url, demo.id).delete(copy.image_id);
    });

    it('does not connect to RabbitMQ over amqps without the CA, and says why', async () => {
      const failed = terminators.rabbit.failedHandshakes;
      const port = await freePort();
      const child = daemons.spawn('api-no-rabbit-ca', 'gimming-api', {
        OS_API__BIND_PORT: String(port),
        OS_OSLO_MESSAGING_RABBIT__SSL_CA_FILE: '',
      });
      try {
        const line = await waitFor(
          'the broker refusal in the log',
          async () =>
            daemons
              .logLines('api-no-rabbit-ca')
              .find((l) => l.message === 'cannot reach the messaging broker; retrying'),
          30000,
        );
        assert.match(String(line.reason), /certificate/);
        assert.ok(terminators.rabbit.failedHandshakes > failed, 'the handshake was refused by the client');
        const health = await http('GET', `http://127.0.0.1:${port}/healthcheck`);
        assert.equal(health.status, 503);
      } finally {
        child.kill('SIGKILL');
      }
    });
  });

  describe('to the database', () => {
    let db: TlsMariaDb;
    let dbPort: number;
    const password = randomBytes(12).toString('hex');
    const dbDir = () => join(pkiDir, 'mariadb');
    const url = (query: string, user = 'gimming') =>
      `mysql+pymysql://${user}:${password}@127.0.0.1:${dbPort}/gimming?charset=utf8${query}`;

    function writeConfig(connection: string): string {
      const path = join(pkiDir, `db-${randomBytes(3).toString('hex')}.conf`);
      writeFileSync(
        path,
        `[DEFAULT]\ncontrol_exchange = gimming-outtls-${suffix}\n[database]\nconnection = ${connection}\n` +
          `[keystone_authtoken]\nauth_url = ${bed.auth_url}\npassword = unused\n[agent]\nrpc_allow_unauthenticated = true\n` +
          `ssl_ca_file = ${pki.ca}\nssl_cert_file = ${pki.cert}\nssl_key_file = ${pki.key}\n`,
      );
      return path;
    }

    const manage = (connection: string) =>
      run(process.execPath, [
        join(REPO_ROOT, 'bin', 'gimming-manage'),
        '--config-file',
        writeConfig(connection),
        'db',
        'sync',
      ]).then(
        (r) => ({ code: 0, out: r.stdout + r.stderr }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
      );

    before(async function () {
      this.timeout(120000);
      dbPort = await freePort();
      db = new TlsMariaDb(dbDir(), dbPort, testPki(join(pkiDir, 'db-pki'), 'mariadb'));
      await db.start();
      db.sql(
        `CREATE DATABASE gimming; CREATE USER gimming@'127.0.0.1' IDENTIFIED BY '${password}'; ` +
          `GRANT ALL ON gimming.* TO gimming@'127.0.0.1'; ` +
          `CREATE USER certified@'127.0.0.1' IDENTIFIED BY '${password}' REQUIRE X509; ` +
          `GRANT ALL ON gimming.* TO certified@'127.0.0.1';`,
      );
    });

    after(async function () {
      this.timeout(60000);
      if (db) await db.stop();
    });

    it('syncs the schema and runs the conductor over TLS with ssl_ca in the connection', async () => {
      const ca = join(pkiDir, 'db-pki', 'ca.pem');
      const synced = await manage(url(`&ssl_ca=${ca}`));
      assert.equal(synced.code, 0, synced.out);
      assert.match(synced.out, /Applied InitialSchema/);
      const config = writeConfig(url(`&ssl_ca=${ca}`));
      const conductor = spawn(
        process.execPath,
        [join(REPO_ROOT, 'bin', 'gimming-conductor'), '--config-file', config],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      conductor.stdout.on('data', (d: Buffer) => (out += d.toString()));
      conductor.stderr.on('data', (d: Buffer) => (out += d.toString()));
      try {
        await waitFor(
          'the conductor to start',
          async () => (out.includes('gimming-conductor started') ? true : undefined),
          30000,
        ).catch((err: Error) => {
          throw new Error(`${err.message}; it wrote:\n${out}`);
        });
      } finally {
        conductor.kill('SIGTERM');
      }
    });

    it('presents a client certificate given with ssl_cert and ssl_key', async () => {
      const dir = join(pkiDir, 'db-pki');
      const withCert = await manage(
        url(
          `&ssl_ca=${join(dir, 'ca.pem')}&ssl_cert=${join(dir, 'mariadb.pem')}&ssl_key=${join(dir, 'mariadb-key.pem')}`,
          'certified',
        ),
      );
      assert.equal(withCert.code, 0, withCert.out);
      const without = await manage(url(`&ssl_ca=${join(dir, 'ca.pem')}`, 'certified'));
      assert.notEqual(without.code, 0);
      assert.match(without.out, /Access denied/);
    });

    it('is refused without TLS, and says which key trusts a CA when the certificate does not verify', async () => {
      const clear = await manage(url(''));
      assert.notEqual(clear.code, 0, 'the server takes only TLS');
      const untrusted = await manage(url('&ssl=true'));
      assert.notEqual(untrusted.code, 0);
      assert.match(
        untrusted.out,
        /TLS with the database server failed \(self-signed certificate in certificate chain\): ssl_ca/,
      );
      const typo = await manage(url('&ssl_cafile=/etc/ssl/ca.pem'));
      assert.notEqual(typo.code, 0);
      assert.match(typo.out, /ssl_cafile is not supported/);
    });
  });
});
