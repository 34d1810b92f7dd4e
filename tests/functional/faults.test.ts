/**
 * Nothing lost when parts die: conductors and agents killed with SIGKILL in the middle of copies, two
 * conductors sharing (and taking over) the work, and work that outlives the user's token through a
 * Keystone trust. Each case asserts what the user sees: the task ends by itself once the part is back,
 * and the target cloud holds exactly one good copy.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DaemonSet } from '../support/daemons';
import { waitForTasks } from '../support/flows';
import { http, waitFor } from '../support/http';
import { type Glance, type Token, issueToken } from '../support/openstack';
import { freePort, useStack } from '../support/stack';
import { type Testbed, testbedUp } from '../support/testbed';

describe('faults: killed daemons, two conductors, expired tokens', function () {
  this.timeout(300000);
  // Short leases and retries, so that take-overs happen within seconds here.
  const stack = useStack({
    extraConfig: '[conductor]\ntask_lease_time = 5\ntask_scan_interval = 1\ntask_retry_delay = 1',
  });
  let bed: Testbed;
  let daemons: DaemonSet;
  let api: string;
  let demo: Token;
  let glanceA: Glance;
  let glanceB: Glance;

  before(() => {
    ({ bed, daemons, api, demo } = stack);
    [glanceA, glanceB] = [stack.glance('zone-a'), stack.glance('zone-b')];
  });

  const tasksOf = async (id: string, token = demo.id) =>
    (await http('GET', `${api}/v1/tasks?image_id=${id}`, { token })).body.tasks as any[];

  /** Adopts a fresh zone-a image of `size` bytes with zone-b as target. */
  async function adopt(size: number, token = demo.id): Promise<{ id: string; source: any }> {
    const { image: source } = await glanceA.createWithData(size);
    const res = await http('POST', `${api}/v1/images`, {
      token,
      json: { source: { cloud: 'zone-a', image_id: source.id }, targets: ['zone-b'] },
    });
    assert.equal(res.status, 202, res.text);
    return { id: res.body.id, source };
  }

  /** Waits until the copy has moved some bytes. */
  const moving = (id: string) =>
    waitFor(
      'the copy to move',
      async () => {
        const [task] = await tasksOf(id);
        return task?.status === 'running' && task.bytes_done > 0 ? task : undefined;
      },
      60000,
      100,
    );

  /** Exactly one copy in zone-b, active, with the source's bytes. */
  async function exactlyOneCopy(id: string, source: any): Promise<void> {
    const copies = await glanceB.list({ gimming_image_id: id });
    assert.equal(copies.length, 1, JSON.stringify(copies.map((c) => [c.id, c.status])));
    assert.equal(copies[0].status, 'active');
    assert.equal(copies[0].checksum, source.checksum);
    assert.equal(copies[0].os_hash_value, source.os_hash_value);
  }

  const killAndRestart = async (name: string, command: string, env: Record<string, string>) => {
    assert.ok(daemons.process(name), name);
    await daemons.restart(name, command, env);
  };

  it('finishes a copy whose conductor was killed with SIGKILL (taken over when its lease lapses)', async () => {
    const { id, source } = await adopt(384 * 1024 * 1024);
    await moving(id);
    await killAndRestart('conductor', 'gimming-conductor', {});
    const [task] = await waitForTasks(api, demo.id, id, 180000);
    assert.equal(task.status, 'succeeded', JSON.stringify(task.error));
    assert.ok(task.attempts >= 2, `attempts ${task.attempts}`);
    await exactlyOneCopy(id, source);
    await glanceA.delete(source.id);
  });

  it('finishes a copy whose target agent was killed with SIGKILL, leaving no half-made image', async () => {
    const { id, source } = await adopt(384 * 1024 * 1024);
    await moving(id);
    await killAndRestart('agent-zone-b', 'gimming-agent', daemons.agentEnv('zone-b'));
    const [task] = await waitForTasks(api, demo.id, id, 180000);
    assert.equal(task.status, 'succeeded', JSON.stringify(task.error));
    assert.ok(task.attempts >= 2, `attempts ${task.attempts}`);
    await exactlyOneCopy(id, source);
    await glanceA.delete(source.id);
  });

  it('finishes a copy whose source agent was killed with SIGKILL', async () => {
    const { id, source } = await adopt(384 * 1024 * 1024);
    await moving(id);
    await killAndRestart('agent-zone-a', 'gimming-agent', daemons.agentEnv('zone-a'));
    const [task] = await waitForTasks(api, demo.id, id, 180000);
    assert.equal(task.status, 'succeeded', JSON.stringify(task.error));
    await exactlyOneCopy(id, source);
    await glanceA.delete(source.id);
  });

  it('finishes work after the user token that asked for it was revoked (a trust carries it)', async () => {
    const trustsOfDemo = async () =>
      new Set(
        (
          await http('GET', `${bed.auth_url}/OS-TRUST/trusts?trustor_user_id=${demo.userId}`, {
            token: demo.id,
          })
        ).body.trusts.map((t: any) => t.id as string),
      );
    const before = await trustsOfDemo();
    const user = await issueToken(bed, bed.users.demo);
    const { id, source } = await adopt(384 * 1024 * 1024, user.id);
    const ours = [...(await trustsOfDemo())].filter((t) => !before.has(t));
    assert.ok(ours.length >= 1, 'a trust was made for the work');
    // The fault lands mid-transfer: bytes have moved, and the source holds still while the token goes.
    await moving(id);
    const sourceAgent = daemons.process('agent-zone-a');
    assert.ok(sourceAgent, 'agent-zone-a');
    sourceAgent.kill('SIGSTOP');
    try {
      const revoked = await http('DELETE', `${bed.auth_url}/auth/tokens`, {
        token: demo.id,
        headers: { 'X-Subject-Token': user.id },
      });
      assert.equal(revoked.status, 204, revoked.text);
      const check = await http('GET', `${bed.auth_url}/auth/tokens`, {
        token: demo.id,
        headers: { 'X-Subject-Token': user.id },
      });
      assert.equal(check.status, 404, 'Keystone no longer knows the token');
      const [mid] = await tasksOf(id);
      assert.equal(mid.status, 'running', 'the token was revoked while the copy ran');
      assert.ok(mid.bytes_done < mid.bytes_total, `mid-transfer: ${mid.bytes_done} of ${mid.bytes_total}`);
    } finally {
      sourceAgent.kill('SIGCONT');
    }
    const [task] = await waitForTasks(api, demo.id, id, 180000);
    assert.equal(task.status, 'succeeded', JSON.stringify(task.error));
    await exactlyOneCopy(id, source);
    // The trust is deleted once its work is done.
    await waitFor('the trust to be deleted', async () => {
      const now = await trustsOfDemo();
      return ours.every((t) => !now.has(t)) ? true : undefined;
    });
    // A request that fails after its trust was started leaves no trust behind.
    const empty = await glanceA.create({ name: 'fault-no-data' }); // queued: no data
    const refused = await http('POST', `${api}/v1/images`, {
      token: demo.id,
      json: { source: { cloud: 'zone-a', image_id: empty.id }, targets: ['zone-b'] },
    });
    assert.equal(refused.status, 409, refused.text);
    await waitFor('no trust left by the refused request', async () => {
      const now = await trustsOfDemo();
      return [...now].every((t) => before.has(t)) ? true : undefined;
    });
    await glanceA.delete(empty.id);
    await glanceA.delete(source.id);
  });

  it('runs 50 syncs exactly once with two conductors, one of them killed half-way', async () => {
    daemons.spawn('conductor-2', 'gimming-conductor', { OS_DEFAULT__HOST: 'conductor-2' });
    const sources = await Promise.all(
      Array.from({ length: 50 }, (_, i) => glanceA.createWithData(32 * 1024 + i, { name: `fault-50-${i}` })),
    );
    const adopted = await Promise.all(
      sources.map(async ({ image }) => {
        const res = await http('POST', `${api}/v1/images`, {
          token: demo.id,
          json: { source: { cloud: 'zone-a', image_id: image.id }, targets: [] },
        });
        assert.equal(res.status, 202, res.text);
        return { id: res.body.id as string, source: image };
      }),
    );
    // The fault lands while the victim holds work: the source agent holds still (SIGSTOP) from before the
    // syncs (copies of 256 KiB would otherwise all be over before it), so that copies stay running, until
    // the victim (host test-host) runs at least one of them; then it dies. The syncs go to whichever
    // conductor takes each call from the queue (a sync asks only the target's agent).
    const sourceAgent = daemons.process('agent-zone-a');
    const victim = daemons.process('conductor');
    assert.ok(sourceAgent && victim);
    sourceAgent.kill('SIGSTOP');
    await Promise.all(
      adopted.map(async ({ id }) => {
        const res = await http('POST', `${api}/v1/images/${id}/sync`, {
          token: demo.id,
          json: { targets: ['zone-b'] },
        });
        assert.equal(res.status, 202, res.text);
      }),
    );
    const ids = adopted.map(({ id }) => id);
    let held: Array<{ id: string; status: string }>;
    try {
      await waitFor(
        'the first conductor to run one of the copies',
        async () => {
          const rows = await stack.query<{ status: string }>(
            "SELECT status FROM tasks WHERE conductor = 'test-host' AND status = 'running' AND image_id IN (?)",
            [ids],
          );
          return rows.length > 0 ? true : undefined;
        },
        60000,
        50,
      );
      victim.kill('SIGKILL');
      await new Promise((r) => victim.once('exit', r));
      held = await stack.query(
        "SELECT id, status FROM tasks WHERE conductor = 'test-host' AND status NOT IN ('succeeded', 'failed', 'cancelled') AND image_id IN (?)",
        [ids],
      );
    } finally {
      sourceAgent.kill('SIGCONT');
    }
    assert.ok(
      held.some((t) => t.status === 'running'),
      `the victim died holding a running copy: ${JSON.stringify(held)}`,
    );
    for (const { id, source } of adopted) {
      const tasks = await waitForTasks(api, demo.id, id, 180000);
      assert.equal(tasks.length, 1, 'one task per sync');
      assert.equal(tasks[0].status, 'succeeded', JSON.stringify(tasks[0].error));
      await exactlyOneCopy(id, source);
    }
    // The second conductor took over what the victim held: it owns those tasks now, says so in its log,
    // and the copies the victim was running took another attempt.
    const owners = await stack.query<{ id: string; conductor: string; attempts: number }>(
      'SELECT id, conductor, attempts FROM tasks WHERE id IN (?)',
      [held.map((t) => t.id)],
    );
    for (const t of owners)
      assert.equal(t.conductor, 'conductor-2', `task ${t.id} is finished by conductor-2`);
    const takenOver = new Set(
      daemons
        .logLines('conductor-2')
        .filter((l) => l.message === 'task taken over')
        .map((l) => l.task_id as string),
    );
    for (const t of held) assert.ok(takenOver.has(t.id), `conductor-2 logged taking ${t.id} over`);
    for (const t of held.filter((h) => h.status === 'running')) {
      const attempts = owners.find((o) => o.id === t.id)?.attempts ?? 0;
      assert.ok(attempts >= 2, `task ${t.id} ran again after the take-over (attempts ${attempts})`);
    }
    const all = (await Promise.all(adopted.map(({ id }) => tasksOf(id)))).flat();
    assert.equal(all.length, 50, 'each sync ran exactly once');
    await Promise.all(sources.map(({ image }) => glanceA.delete(image.id)));
    await Promise.all(
      adopted.map(async ({ id }) => {
        for (const c of await glanceB.list({ gimming_image_id: id })) await glanceB.delete(c.id);
      }),
    );
  });

  it('spreads work over two agents of a zone, and retries on the other when one is killed', async () => {
    const stagingB2 = `${daemons.stagingDir('zone-b')}-2`;
    const portB2 = await freePort();
    daemons.spawn('agent-zone-b-2', 'gimming-agent', {
      OS_AGENT__STAGING_DIR: stagingB2,
      OS_AGENT__ZONE: 'zone-b',
      OS_AGENT__BIND_PORT: String(portB2),
      OS_DEFAULT__HOST: 'agent-b-2',
    });
    await waitFor('the second zone-b agent', async () => {
      const clouds = await http('GET', `${api}/v1/clouds/zone-b`, { token: demo.id });
      return clouds.body.agents_up === 2 ? true : undefined;
    });
    const small = await Promise.all(Array.from({ length: 8 }, () => adopt(256 * 1024)));
    const agents = new Set<string>();
    for (const { id, source } of small) {
      const [task] = await waitForTasks(api, demo.id, id);
      assert.equal(task.status, 'succeeded', JSON.stringify(task.error));
      agents.add(task.agent);
      await exactlyOneCopy(id, source);
    }
    assert.equal(agents.size, 2, `both zone-b agents took copies: ${[...agents].join(', ')}`);

    const { id, source } = await adopt(384 * 1024 * 1024);
    const running = await moving(id);
    const victim = running.agent.endsWith(`:${portB2}`) ? 'agent-zone-b-2' : 'agent-zone-b';
    daemons.process(victim)?.kill('SIGKILL');
    const [task] = await waitForTasks(api, demo.id, id, 180000);
    assert.equal(task.status, 'succeeded', JSON.stringify(task.error));
    assert.notEqual(task.agent, running.agent, 'the retry ran on the agent still alive');
    await exactlyOneCopy(id, source);
  });

  it('answers again after the API is killed between taking a request and answering it, with nothing done twice', async () => {
    const { image: source } = await glanceA.createWithData(256 * 1024);
    const adopted = await http('POST', `${api}/v1/images`, {
      token: demo.id,
      json: { source: { cloud: 'zone-a', image_id: source.id }, targets: [] },
    });
    assert.equal(adopted.status, 202, adopted.text);
    const id = adopted.body.id as string;
    // The sync is sent, and the API dies before it can answer. The fault lands between the two: the
    // conductor holds still (SIGSTOP), so the API has taken the request and waits for its answer when it
    // is killed, and the client gets no answer.
    // Every conductor alive holds still: the call would otherwise go to another one.
    const conductors = ['conductor', 'conductor-2']
      .map((name) => daemons.process(name))
      .filter(
        (p): p is NonNullable<typeof p> => p !== undefined && p.exitCode === null && p.signalCode === null,
      );
    assert.ok(conductors.length > 0, 'a conductor');
    for (const c of conductors) c.kill('SIGSTOP');
    let inFlight: unknown;
    try {
      const sent = http('POST', `${api}/v1/images/${id}/sync`, {
        token: demo.id,
        json: { targets: ['zone-b'] },
      }).catch((err: unknown) => err);
      await new Promise((r) => setTimeout(r, 1000));
      const apiProcess = daemons.process('api');
      assert.ok(apiProcess);
      const exited = new Promise((r) => apiProcess.once('exit', r));
      apiProcess.kill('SIGKILL');
      await exited;
      inFlight = await sent;
    } finally {
      for (const c of conductors) c.kill('SIGCONT');
    }
    assert.ok(inFlight instanceof Error, `the client got no answer: ${JSON.stringify(inFlight)}`);
    daemons.spawn('api', 'gimming-api', {});
    await waitFor('the API to answer again', async () =>
      (await http('GET', `${api}/healthcheck`).catch(() => undefined))?.status === 200 ? true : undefined,
    );
    // The client did not get an answer: it asks again, which is safe.
    const again = await http('POST', `${api}/v1/images/${id}/sync`, {
      token: demo.id,
      json: { targets: ['zone-b'] },
    });
    assert.equal(again.status, 202, again.text);
    const tasks = await waitForTasks(api, demo.id, id, 120000);
    assert.equal(tasks.length, 1, 'the sync ran once, whether or not the first request got through');
    assert.equal(tasks[0].status, 'succeeded', JSON.stringify(tasks[0].error));
    await exactlyOneCopy(id, source);
  });

  /** Waits until the API answers a listing again (it reconnects by itself). */
  const answersAgain = () =>
    waitFor(
      'the API to answer again',
      async () =>
        (await http('GET', `${api}/v1/images?limit=1`, { token: demo.id }).catch(() => undefined))?.status ===
        200
          ? true
          : undefined,
      120000,
      500,
    );

  /**
   * Holds a copy in flight, whatever the machine's speed: its source agent stops sending (SIGSTOP) from
   * the start until the returned function lets it go on.
   */
  async function stalled(id: string): Promise<() => void> {
    const agent = daemons.process('agent-zone-a');
    assert.ok(agent, 'agent-zone-a');
    agent.kill('SIGSTOP');
    const resume = () => void agent.kill('SIGCONT');
    try {
      await waitFor(
        'the copy to start',
        async () => ((await tasksOf(id))[0]?.status === 'running' ? true : undefined),
        60000,
        100,
      );
    } catch (err) {
      resume();
      throw err;
    }
    return resume;
  }

  it('finishes a copy across a RabbitMQ restart, and every daemon reconnects by itself', async () => {
    const { id, source } = await adopt(256 * 1024 * 1024);
    const resume = await stalled(id);
    try {
      execFileSync('rabbitmqctl', ['stop_app'], { stdio: 'ignore' });
      const down = await http('GET', `${api}/v1/images?limit=1`, { token: demo.id });
      assert.equal(down.status, 503, 'a call while the broker is away is refused, not hung');
      execFileSync('rabbitmqctl', ['start_app'], { stdio: 'ignore' });
    } finally {
      resume();
    }
    const brokerBack = Date.now();
    await answersAgain();
    const [task] = await waitForTasks(api, demo.id, id, 180000);
    assert.equal(task.status, 'succeeded', JSON.stringify(task.error));
    await exactlyOneCopy(id, source);
    // Every agent heartbeats again through the broker by itself (zone-a's was also stopped meanwhile):
    // only heartbeats the conductor recorded after the broker came back count.
    for (const zone of ['zone-a', 'zone-b']) {
      await waitFor(
        `${zone}'s agent to heartbeat again after the broker restart`,
        async () => {
          const rows = await stack.query<{ last_heartbeat_at: Date }>(
            'SELECT last_heartbeat_at FROM agents WHERE zone = ?',
            [zone],
          );
          return rows.some((r) => r.last_heartbeat_at.getTime() > brokerBack) ? true : undefined;
        },
        60000,
        500,
      );
      const cloud = await http('GET', `${api}/v1/clouds/${zone}`, { token: demo.id });
      assert.ok(cloud.body.agents_up >= 1, `${zone} has an agent up`);
    }
    // ...and new work flows through the reconnected daemons.
    const next = await adopt(64 * 1024);
    const [nextTask] = await waitForTasks(api, demo.id, next.id, 60000);
    assert.equal(nextTask.status, 'succeeded', JSON.stringify(nextTask.error));
  });

  it('finishes a copy across a MariaDB restart', async () => {
    const { id, source } = await adopt(256 * 1024 * 1024);
    const resume = await stalled(id);
    try {
      execFileSync(
        'bash',
        ['-c', 'pkill -x mariadbd; while pgrep -x mariadbd >/dev/null; do sleep 0.2; done'],
        {
          stdio: 'ignore',
        },
      );
      await new Promise((r) => setTimeout(r, 2000));
      await testbedUp();
    } finally {
      resume();
    }
    await answersAgain();
    const [task] = await waitForTasks(api, demo.id, id, 180000);
    assert.equal(task.status, 'succeeded', JSON.stringify(task.error));
    await exactlyOneCopy(id, source);
  });

  it('fails a copy whose Glance went away with a clear reason, and copies again once it is back', async () => {
    const { id, source } = await adopt(384 * 1024 * 1024);
    await moving(id);
    // Glance of zone-b (the test bed's process) dies in the middle of the upload.
    const pidFile = join(
      process.env.GIMMING_TESTBED_DIR ?? '/var/tmp/gimming-testbed',
      'run',
      'glance-b.pid',
    );
    const pid = readFileSync(pidFile, 'utf8').trim().split(/\s+/)[0] as string;
    execFileSync('kill', ['-9', pid]);
    try {
      const [task] = await waitForTasks(api, demo.id, id, 120000);
      assert.equal(task.status, 'failed');
      assert.equal(task.error.code, 'gimming.cloud.unreachable', JSON.stringify(task.error));
      assert.match(task.error.message, /zone-b is unreachable/);
      assert.equal(task.attempts, 5, 'tried [conductor] task_max_attempts times');
      const zoneB = await http('GET', `${api}/v1/clouds/zone-b`, { token: demo.id });
      assert.equal(zoneB.body.agents_up, 1, 'the agent of zone-b is still up');
      const zoneA = await http('GET', `${api}/v1/clouds/zone-a/images`, { token: demo.id });
      assert.equal(zoneA.status, 200, 'and the other zone is served');
    } finally {
      await testbedUp();
    }
    // The same agent copies again once its Glance is back, and what the dead upload left is cleaned.
    const res = await http('POST', `${api}/v1/images/${id}/sync`, {
      token: demo.id,
      json: { targets: ['zone-b'] },
    });
    assert.equal(res.status, 202, res.text);
    const tasks = await waitForTasks(api, demo.id, id, 180000);
    assert.equal(
      tasks.find((t) => t.status === 'succeeded')?.cloud,
      'zone-b',
      JSON.stringify(tasks.map((t) => t.error)),
    );
    await exactlyOneCopy(id, source);
    await glanceA.delete(source.id);
  });
});
