/**
 * `gimming-status upgrade check` against the real daemons, database, RabbitMQ and Keystone: Success when
 * everything runs, a Failure for what stops an upgrade (migrations not applied, a service user Keystone
 * refuses, an agent of another proto, no messaging service), a Warning for what needs a look (no agent
 * alive, a zone without agent), 255 when the command itself cannot run; and `gimming-manage db version`
 * and `db sync` on a fresh database.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { MIGRATIONS } from '../../src/gimming-conductor/db/data-source';
import type { DaemonSet } from '../support/daemons';
import { http, waitFor } from '../support/http';
import type { Token } from '../support/openstack';
import { useStack } from '../support/stack';
import { REPO_ROOT, type Testbed } from '../support/testbed';

/** The schema's migrations, by name (the class names the conductor records). */
const NAMES = MIGRATIONS.map((m) => m.name);
const ALL = NAMES.length;
const FIRST = NAMES[0] as string;
const LAST = NAMES[ALL - 1] as string;

const CHECKS = ['Database schema', 'Conductors', 'Agents', 'Messaging service', 'Keystone service user'];

interface StatusRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Each check's result code (0, 1, 2), by name. */
  codes: Record<string, number>;
  details: Record<string, string | null>;
}

describe('gimming-status upgrade check', function () {
  this.timeout(180000);
  let bed: Testbed;
  let daemons: DaemonSet;
  let admin: Token;
  const freshDb = `gimming_test_${randomBytes(4).toString('hex')}`;

  const stack = useStack({
    zones: ['zone-a'],
    registerClouds: false,
    // Short, so that an agent that stops is seen as down within seconds.
    extraConfig: '[conductor]\nagent_down_time = 6\n',
  });

  before(() => {
    ({ bed, daemons, admin } = stack);
  });

  after(async function () {
    this.timeout(60000);
    const conn = await mysql.createConnection({ host: '127.0.0.1', user: 'root' });
    await conn.query(`DROP DATABASE IF EXISTS ${freshDb}`);
    await conn.end();
  });

  function run(command: string, args: string[], env: Record<string, string> = {}, config?: string) {
    return spawnSync(
      process.execPath,
      [join(REPO_ROOT, 'bin', command), '--config-file', config ?? daemons.configPath, ...args],
      { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60000 },
    );
  }

  function status(env: Record<string, string> = {}): StatusRun {
    const res = run('gimming-status', ['upgrade', 'check', '--json'], env);
    let parsed: { name: string; checks: Array<{ check: string; result: number; details: string | null }> };
    try {
      parsed = JSON.parse(res.stdout);
    } catch {
      throw new Error(`not JSON (exit ${res.status}): ${res.stdout} ${res.stderr}`);
    }
    assert.equal(parsed.name, 'Upgrade Check Results');
    assert.deepEqual(
      parsed.checks.map((c) => c.check),
      CHECKS,
    );
    return {
      status: res.status,
      stdout: res.stdout,
      stderr: res.stderr,
      codes: Object.fromEntries(parsed.checks.map((c) => [c.check, c.result])),
      details: Object.fromEntries(parsed.checks.map((c) => [c.check, c.details])),
    };
  }

  const allSucceed = () => Object.fromEntries(CHECKS.map((c) => [c, 0]));

  it('exits 0 when every check succeeds, with the table oslo.upgradecheck prints', () => {
    const res = run('gimming-status', ['upgrade', 'check']);
    assert.equal(res.status, 0, res.stdout + res.stderr);
    const lines = res.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^\+-+\+$/);
    assert.match(lines[1]!, /^\| Upgrade Check Results +\|$/);
    for (const check of CHECKS) assert.ok(res.stdout.includes(`| Check: ${check} `), check);
    assert.equal(res.stdout.match(/\| Result: Success /g)?.length, CHECKS.length);
    assert.ok(
      lines.every((l) => l.length === lines[0]!.length),
      'one width',
    );
    assert.ok(!res.stdout.includes(bed.users.gimming.password), 'no password shown');

    const json = status();
    assert.equal(json.status, 0);
    assert.deepEqual(json.codes, allSucceed());
    assert.match(json.details['Conductors']!, /1 conductor alive \(test-host\)/);
    assert.match(json.details['Agents']!, /1 agent alive \(zone-a: 1\).*gimming\.agent\.v2/);
    assert.match(json.details['Messaging service']!, /1 consumer\(s\) on gimming-test-[0-9a-f]+\.conductor/);
    assert.match(json.details['Keystone service user']!, /admin/);
  });

  it('fails (2) on a service password Keystone refuses', () => {
    const res = status({ OS_KEYSTONE_AUTHTOKEN__PASSWORD: 'not-the-password' });
    assert.equal(res.status, 2);
    assert.deepEqual(res.codes, { ...allSucceed(), 'Keystone service user': 2 });
    assert.match(res.details['Keystone service user']!, /did not accept the service user/);
    assert.ok(!res.stdout.includes('not-the-password'));
  });

  it('fails (2) without a messaging service', () => {
    const res = status({ OS_DEFAULT__TRANSPORT_URL: 'rabbit://guest:guest@127.0.0.1:1/' });
    assert.equal(res.status, 2);
    assert.deepEqual(res.codes, { ...allSucceed(), 'Messaging service': 2 });
    assert.match(
      res.details['Messaging service']!,
      /Cannot reach the messaging service at amqp:\/\/guest:\*\*\*@/,
    );
  });

  it('fails (2) on an agent of another proto, warns (1) on one of another release', async () => {
    const conn = await mysql.createConnection({ host: '127.0.0.1', user: 'root', database: daemons.dbName });
    const insert = (address: string, version: string, rpc: string | null, proto: string | null) =>
      conn.query(
        'INSERT INTO agents (id, host, zone, address, version, rpc_version, proto_version, last_heartbeat_at, created_at) ' +
          "VALUES (?, 'old-host', 'zone-x', ?, ?, ?, ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))",
        [randomUUID(), address, version, rpc, proto],
      );
    try {
      await insert('10.0.0.1:9596', '0.0.9', '1.4', 'gimming.agent.v2');
      let res = status();
      assert.equal(res.status, 1, JSON.stringify(res.details));
      assert.deepEqual(res.codes, { ...allSucceed(), Agents: 1 });
      assert.match(
        res.details['Agents']!,
        /10\.0\.0\.1:9596 \(zone zone-x\) runs release 0\.0\.9 \(conductor RPC 1\.4\)/,
      );

      await insert('10.0.0.2:9596', '0.0.8', null, null);
      res = status();
      assert.equal(res.status, 1);
      assert.match(res.details['Agents']!, /10\.0\.0\.2:9596 .* does not report which contracts it speaks/);

      // An agent not yet upgraded: it still serves the retired, Glance-shaped v1 contract.
      await insert('10.0.0.3:9596', '0.0.9', '2.0', 'gimming.agent.v1');
      res = status();
      assert.equal(res.status, 2);
      assert.deepEqual(res.codes, { ...allSucceed(), Agents: 2 });
      assert.match(
        res.details['Agents']!,
        /^Agent 10\.0\.0\.3:9596 \(zone zone-x\) serves gimming\.agent\.v1, this release calls gimming\.agent\.v2/,
      );
    } finally {
      await conn.query("DELETE FROM agents WHERE zone = 'zone-x'");
      await conn.end();
    }
    assert.equal(status().status, 0, 'as before');
  });

  it('warns (1) about a zone that has clouds but no agent alive', async () => {
    const created = await http('POST', `${daemons.apiUrl}/v1/clouds`, {
      token: admin.id,
      json: { name: 'zone-b', type: 'openstack', region_name: 'RegionTwo' },
    });
    assert.equal(created.status, 201, created.text);
    try {
      const res = status();
      assert.equal(res.status, 1);
      assert.deepEqual(res.codes, { ...allSucceed(), Agents: 1 });
      assert.match(res.details['Agents']!, /No agent is alive in zone zone-b, which has clouds/);
    } finally {
      const gone = await http('DELETE', `${daemons.apiUrl}/v1/clouds/zone-b`, { token: admin.id });
      assert.equal(gone.status, 204, gone.text);
    }
  });

  it('exits 255 when the command itself cannot run', () => {
    const conf = join(daemons.dir, 'bad.conf');
    writeFileSync(conf, '[database]\nconection = mysql://root@127.0.0.1/x\n');
    const bad = run('gimming-status', ['upgrade', 'check'], {}, conf);
    assert.equal(bad.status, 255, bad.stderr);
    assert.match(bad.stderr, /unknown option "conection" in \[database\]/);
    assert.equal(bad.stdout, '');
    const badValue = run('gimming-status', ['upgrade', 'check'], { OS_CONDUCTOR__AGENT_DOWN_TIME: 'soon' });
    assert.equal(badValue.status, 255);
    const usage = run('gimming-status', ['upgrade', 'chek']);
    assert.equal(usage.status, 255);
    assert.match(usage.stderr, /usage: gimming-status/);
  });

  it('fails (2) on a database whose schema is not current; gimming-manage db version and db sync fix it', async () => {
    const conn = await mysql.createConnection({ host: '127.0.0.1', user: 'root' });
    await conn.query(`CREATE DATABASE ${freshDb} CHARACTER SET utf8mb4`);
    await conn.end();
    const env = { OS_DATABASE__CONNECTION: `mysql+pymysql://root@127.0.0.1/${freshDb}?charset=utf8` };

    let res = status(env);
    assert.equal(res.status, 2);
    assert.deepEqual(res.codes, {
      'Database schema': 2,
      Conductors: 1,
      Agents: 1,
      'Messaging service': 0,
      'Keystone service user': 0,
    });
    assert.match(
      res.details['Database schema']!,
      new RegExp(`^${ALL} of ${ALL} database migrations are not applied \\(${FIRST}`),
    );
    assert.match(res.details['Database schema']!, /gimming-manage db sync/);
    assert.equal(res.details['Agents'], 'Not checked: the database schema is not current.');

    let manage = run('gimming-manage', ['db', 'version'], env);
    assert.equal(manage.status, 0, manage.stderr);
    assert.match(manage.stdout, new RegExp(`^none\npending: ${NAMES.join(', ')}\n$`));

    manage = run('gimming-manage', ['db', 'sync'], env);
    assert.equal(manage.status, 0, manage.stderr);
    assert.equal(manage.stdout, `Applied ${NAMES.join(', ')}\n`);
    manage = run('gimming-manage', ['db', 'sync'], env);
    assert.equal(manage.stdout, 'Database schema is current.\n', 'a second sync does nothing');
    manage = run('gimming-manage', ['db', 'version'], env);
    assert.equal(manage.stdout, `${LAST}\n`);

    // Current now; nothing has ever run against this database: no conductor, no agent.
    res = status(env);
    assert.equal(res.status, 1);
    assert.deepEqual(res.codes, { ...allSucceed(), Conductors: 1, Agents: 1 });
    assert.match(
      res.details['Database schema']!,
      new RegExp(`^${ALL} migrations applied, the last ${LAST}\\.$`),
    );
    assert.match(res.details['Conductors']!, /No conductor has reported in the last 6 s/);
  });

  it('warns (1) when no agent is alive', async () => {
    const agent = daemons.process('agent-zone-a')!;
    await new Promise<void>((resolve) => {
      agent.once('exit', () => resolve());
      agent.kill('SIGTERM');
    });
    const res = await waitFor(
      'the agent to be seen as down',
      async () => {
        const r = status();
        return r.codes['Agents'] === 1 ? r : undefined;
      },
      20000,
      1000,
    );
    assert.equal(res.status, 1);
    assert.deepEqual(res.codes, { ...allSucceed(), Agents: 1 }, JSON.stringify(res.details));
    assert.match(res.details['Agents']!, /^No agent has sent a heartbeat in the last 6 s \(1 known\)/);
  });
});
