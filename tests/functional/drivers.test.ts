/**
 * The agent's cloud drivers, with the real daemons: an agent refuses to start with an unknown driver in
 * [agent] enabled_drivers, or with none, naming what is wrong (as ironic does with enabled_hardware_types);
 * an agent with the default (openstack) serves its zone's clouds through the OpenStack driver.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DaemonSet, allPassed } from '../support/daemons';
import { registerClouds } from '../support/flows';
import { http, waitFor } from '../support/http';
import { Glance, type Token, issueToken } from '../support/openstack';
import { REPO_ROOT, type Testbed, testbed } from '../support/testbed';

const API_PORT = 19990;
const AGENT_PORTS = { 'zone-a': 19991 };
const SPARE_PORT = 19993;

describe('cloud drivers', function () {
  this.timeout(120000);
  let bed: Testbed;
  let daemons: DaemonSet;
  let admin: Token;
  let demo: Token;

  before(async function () {
    this.timeout(300000);
    bed = testbed();
    daemons = new DaemonSet(bed, { apiPort: API_PORT, agentPorts: AGENT_PORTS });
    await daemons.start();
    [admin, demo] = await Promise.all([issueToken(bed, bed.users.admin), issueToken(bed, bed.users.demo)]);
    daemons.issueCertificate('agent-zone-b');
  });

  after(async function () {
    this.timeout(60000);
    if (daemons) await daemons.stop(!allPassed(this.test?.parent));
  });

  /** Starts an agent with the set's config plus `agentLines` in [agent]; resolves with its exit and output. */
  function startAgent(name: string, agentLines: string): Promise<{ code: number | null; output: string }> {
    const path = join(daemons.dir, `${name}.conf`);
    // [agent] is the config's last group: the lines land in it.
    writeFileSync(path, `${readFileSync(daemons.configPath, 'utf8')}\n${agentLines}\n`, { mode: 0o600 });
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'gimming-agent'), '--config-file', path], {
      env: { ...process.env, ...daemons.agentEnv('zone-b', { OS_AGENT__BIND_PORT: String(SPARE_PORT) }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
    return new Promise((resolve) =>
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, output });
      }),
    );
  }

  it('refuses to start with enabled_drivers = openstack, nosuch, naming nosuch', async () => {
    const { code, output } = await startAgent('nosuch', 'enabled_drivers = openstack, nosuch');
    assert.equal(code, 2, output);
    assert.match(
      output,
      /gimming-agent: \[agent\] enabled_drivers: unknown driver nosuch \(available: aws, gcp, openstack\)/,
    );
    assert.doesNotMatch(output, /agent listening|registered/);
  });

  it('refuses to start with no driver at all', async () => {
    const { code, output } = await startAgent('none', 'enabled_drivers =');
    assert.equal(code, 2, output);
    assert.match(output, /enabled_drivers names no driver/);
  });

  it('loads the default driver and serves its clouds through it', async () => {
    const loaded = daemons.logLines('agent-zone-a').find((l) => l.message === 'cloud drivers loaded');
    assert.deepEqual(loaded?.drivers, ['openstack']);
    const clouds = await registerClouds(daemons.apiUrl, admin.id);
    const cloudA = clouds['zone-a'];
    // An image made in the cloud itself shows through the agent, with the hashes the cloud reported.
    const glance = new Glance(bed.regions.RegionOne!.glance_url, demo.id);
    const made = await glance.create({
      name: `drivers-${Date.now()}`,
      disk_format: 'raw',
      container_format: 'bare',
    });
    try {
      await glance.upload(made.id, Buffer.from('driver seam bytes'));
      const res = await http('GET', `${daemons.apiUrl}/v1/clouds/${cloudA}/images?limit=1000`, {
        token: demo.id,
      });
      assert.equal(res.status, 200, res.text);
      const seen = res.body.images.find((i: any) => i.id === made.id);
      assert.ok(seen, 'the image is listed through the agent');
      const inCloud = await glance.get(made.id);
      assert.equal(seen.checksum, inCloud.checksum);
    } finally {
      await glance.delete(made.id);
    }
  });

  it('shows what each cloud can do, as the agents of its zone say, and drops it when no agent is alive', async () => {
    // zone-a was registered by the test before.
    const shown = await waitFor(
      'the capabilities of zone-a from its agent',
      async () => {
        const res = await http('GET', `${daemons.apiUrl}/v1/clouds/zone-a`, { token: demo.id });
        assert.equal(res.status, 200, res.text);
        return res.body.capabilities ? res.body : undefined;
      },
      30000,
    );
    assert.equal(shown.capabilities.can_export, true);
    assert.equal(shown.capabilities.can_import, true);
    assert.deepEqual([...shown.capabilities.reported_hashes].sort(), ['md5', 'sha512']);
    assert.equal(shown.capabilities.sharing, 'members');
    assert.ok(shown.capabilities.disk_formats.includes('qcow2'), JSON.stringify(shown.capabilities));
    // A zone with no agent: nothing is known of what its cloud can do.
    const lonely = await http('POST', `${daemons.apiUrl}/v1/clouds`, {
      token: admin.id,
      json: {
        name: `no-agent-${Date.now()}`,
        type: 'openstack',
        region_name: 'RegionTwo',
        zone: 'zone-none',
      },
    });
    assert.equal(lonely.status, 201, lonely.text);
    assert.equal(lonely.body.capabilities, null);
    await http('DELETE', `${daemons.apiUrl}/v1/clouds/${lonely.body.id}`, { token: admin.id });
  });
});
