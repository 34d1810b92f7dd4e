/**
 * GIMinG on clusters: the daemons on a 3-node RabbitMQ cluster (transport_url with the three hosts,
 * rabbit_quorum_queue) and a 3-node Galera cluster behind HAProxy (tools/cluster/cluster.sh, brought up
 * here, so that a fresh machine runs it too). One RabbitMQ node and one Galera node, each the one holding
 * the most of the daemons' connections, are killed with SIGKILL during a copy, and again during 50
 * parallel syncs: every task ends once, succeeded, with exactly one good copy in its target, nothing lost.
 *
 * GIMMING_CLUSTER_KEEP=1 leaves the clusters up afterwards (for running the suite again quickly).
 */
import assert from 'node:assert/strict';
import type { DaemonSet } from '../support/daemons';
import {
  type ClusterKind,
  busiestNode,
  clusterDown,
  clusterServices,
  clusterStatus,
  clusterUp,
  killNode,
  startNode,
} from '../support/cluster';
import { TERMINAL } from '../support/flows';
import { http, waitFor } from '../support/http';
import type { Glance, Token } from '../support/openstack';
import { useStack } from '../support/stack';

describe('clusters: a RabbitMQ node and a Galera node killed under the daemons', function () {
  this.timeout(900000);
  const started = Date.now();

  before(function () {
    this.timeout(600000);
    const seconds = clusterUp();
    console.log(`    clusters up in ${seconds.toFixed(0)} s`);
  });

  const stack = useStack({
    services: clusterServices,
    // Short leases and retries, so that what a lost node interrupts is taken up within seconds.
    extraConfig:
      '[oslo_messaging_rabbit]\nrabbit_quorum_queue = true\n' +
      '[conductor]\ntask_lease_time = 10\ntask_scan_interval = 1\ntask_retry_delay = 1\n',
  });
  // After the stack's own after hook (hooks run in the order they are declared): its database is dropped
  // before the clusters go.
  after(function () {
    this.timeout(120000);
    console.log(`    cluster suite: ${((Date.now() - started) / 1000).toFixed(0)} s`);
    if (process.env.GIMMING_CLUSTER_KEEP !== '1') clusterDown();
  });
  let daemons: DaemonSet;
  let api: string;
  let demo: Token;
  let glanceA: Glance;
  let glanceB: Glance;
  /** Nodes killed by a test, started again after it. */
  const down: Array<[ClusterKind, number]> = [];

  before(() => {
    ({ daemons, api, demo } = stack);
    [glanceA, glanceB] = [stack.glance('zone-a'), stack.glance('zone-b')];
  });

  afterEach(function () {
    this.timeout(300000);
    while (down.length > 0) {
      const [kind, node] = down.pop()!;
      startNode(kind, node);
    }
  });

  /** Kills the RabbitMQ node and the Galera node that hold the most of the daemons' connections. */
  function killBusiest(): void {
    for (const kind of ['rabbit', 'galera'] as const) {
      const { node, connections } = busiestNode(kind);
      assert.ok(node > 0 && connections > 0, `a ${kind} node holds the daemons' connections`);
      killNode(kind, node);
      down.push([kind, node]);
      console.log(`    killed ${kind} node ${node} (${connections} connections)`);
    }
  }

  const tasksOf = async (id: string) =>
    (await http('GET', `${api}/v1/tasks?image_id=${id}`, { token: demo.id })).body.tasks as any[];

  /** The image's tasks once all have ended (the API may answer 503 while a node is being replaced). */
  const ended = (id: string, timeoutMs = 240000) =>
    waitFor(
      `tasks of ${id} to end`,
      async () => {
        const tasks = await tasksOf(id);
        return tasks.length > 0 && tasks.every((t) => TERMINAL.includes(t.status)) ? tasks : undefined;
      },
      timeoutMs,
      500,
    );

  async function exactlyOneCopy(id: string, source: any): Promise<void> {
    const copies = await glanceB.list({ gimming_image_id: id });
    assert.equal(copies.length, 1, JSON.stringify(copies.map((c) => [c.id, c.status])));
    assert.equal(copies[0].status, 'active');
    assert.equal(copies[0].checksum, source.checksum);
    assert.equal(copies[0].os_hash_value, source.os_hash_value);
  }

  /** How many times the conductor logged each task's copy as done: exactly once each. */
  function endedOnce(taskIds: string[]): void {
    const done = daemons
      .logLines('conductor')
      .filter((l) => l.message === 'copy succeeded')
      .map((l) => l.task_id as string);
    for (const id of taskIds) {
      assert.equal(done.filter((d) => d === id).length, 1, `task ${id} ended once`);
    }
  }

  /** The tasks in the database that are not over. */
  const running = (ids: string[]) =>
    stack.query<{ id: string }>("SELECT id FROM tasks WHERE status = 'running' AND image_id IN (?)", [ids]);

  async function cleanUp(adopted: Array<{ id: string; source: any }>): Promise<void> {
    await Promise.all(adopted.map(({ source }) => glanceA.delete(source.id)));
    for (const { id } of adopted) {
      for (const c of await glanceB.list({ gimming_image_id: id })) await glanceB.delete(c.id);
    }
  }

  it('finishes a copy during which a RabbitMQ node and a Galera node die', async () => {
    const { image: source } = await glanceA.createWithData(64 * 1024 * 1024, { name: 'cluster-copy' });
    const res = await http('POST', `${api}/v1/images`, {
      token: demo.id,
      json: { source: { cloud: 'zone-a', image_id: source.id }, targets: ['zone-b'] },
    });
    assert.equal(res.status, 202, res.text);
    const id = res.body.id as string;
    // The source agent holds still from the moment the copy runs while the nodes die, so that the copy is
    // in the middle of its bytes (a copy over loopback is over within a second or two otherwise).
    const sourceAgent = daemons.process('agent-zone-a');
    assert.ok(sourceAgent);
    await waitFor(
      'the copy to run',
      async () => ((await running([id])).length > 0 ? true : undefined),
      60000,
      20,
    );
    sourceAgent.kill('SIGSTOP');
    try {
      assert.equal((await running([id])).length, 1, 'the copy is under way when the nodes die');
      killBusiest();
      await new Promise((r) => setTimeout(r, 3000));
    } finally {
      sourceAgent.kill('SIGCONT');
    }
    const tasks = await ended(id);
    assert.equal(tasks.length, 1);
    assert.equal(tasks[0].status, 'succeeded', JSON.stringify(tasks[0].error));
    await exactlyOneCopy(id, source);
    endedOnce([tasks[0].id]);
    await cleanUp([{ id, source }]);
  });

  it('runs 50 parallel syncs exactly once while a RabbitMQ node and a Galera node die', async () => {
    console.log(clusterStatus().replace(/^/gm, '    '));
    const sources = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        glanceA.createWithData(64 * 1024 + i, { name: `cluster-50-${i}` }),
      ),
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
    const ids = adopted.map(({ id }) => id);
    // The source agent holds still from before the syncs, so that the copies are still running when the
    // nodes die (copies this small would otherwise be over first).
    const sourceAgent = daemons.process('agent-zone-a');
    assert.ok(sourceAgent);
    sourceAgent.kill('SIGSTOP');
    try {
      await Promise.all(
        ids.map(async (id) => {
          const res = await http('POST', `${api}/v1/images/${id}/sync`, {
            token: demo.id,
            json: { targets: ['zone-b'] },
          });
          assert.equal(res.status, 202, res.text);
        }),
      );
      await waitFor(
        'copies to run',
        async () => ((await running(ids)).length > 0 ? true : undefined),
        60000,
        100,
      );
      killBusiest();
      await new Promise((r) => setTimeout(r, 3000));
    } finally {
      sourceAgent.kill('SIGCONT');
    }
    const taskIds: string[] = [];
    for (const { id, source } of adopted) {
      const tasks = await ended(id);
      assert.equal(tasks.length, 1, 'one task per sync');
      assert.equal(tasks[0].status, 'succeeded', JSON.stringify(tasks[0].error));
      await exactlyOneCopy(id, source);
      taskIds.push(tasks[0].id);
    }
    endedOnce(taskIds);
    const all = await stack.query<{ n: number }>('SELECT COUNT(*) AS n FROM tasks WHERE image_id IN (?)', [
      ids,
    ]);
    assert.equal(Number(all[0]?.n), 50, 'each sync made one task, and only one');
    await cleanUp(adopted);
  });
});
