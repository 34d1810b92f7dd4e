/**
 * Load: concurrent clients list, show (with each copy's live metadata) and sync images for a bounded time
 * through the real daemons. No call may fail, and the daemons' memory must stay flat. The figures are
 * printed; `npm run bench:load` runs the same for longer.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DaemonSet } from '../support/daemons';
import { waitForTasks } from '../support/flows';
import { http } from '../support/http';
import { formatReport, runLoad } from '../support/load';
import type { Token } from '../support/openstack';
import { useStack } from '../support/stack';

const SECONDS = Number(process.env.GIMMING_LOAD_SECONDS ?? 15);
const CLIENTS = Number(process.env.GIMMING_LOAD_CLIENTS ?? 16);
/** The same load first, before the memory's baseline (see LoadOptions.warmupSeconds). */
const WARMUP_SECONDS = Number(process.env.GIMMING_LOAD_WARMUP_SECONDS ?? 5);

describe('load on the API', function () {
  this.timeout(300000);
  let daemons: DaemonSet;
  let demo: Token;
  const imageIds: string[] = [];

  // Every daemon reports what its heap holds after a full collection (support/heap-probe.ts): set before
  // useStack's hook starts them, put back after.
  const probeDir = mkdtempSync(join(tmpdir(), 'gimming-heap-probe-'));
  const nodeArgs = process.env.GIMMING_DAEMON_NODE_ARGS;
  before(() => {
    process.env.GIMMING_HEAP_PROBE_DIR = probeDir;
    process.env.GIMMING_DAEMON_NODE_ARGS = `${nodeArgs ?? ''} --expose-gc --require ${join(__dirname, '..', 'support', 'heap-probe.js')}`;
  });
  after(() => {
    delete process.env.GIMMING_HEAP_PROBE_DIR;
    if (nodeArgs === undefined) delete process.env.GIMMING_DAEMON_NODE_ARGS;
    else process.env.GIMMING_DAEMON_NODE_ARGS = nodeArgs;
    rmSync(probeDir, { recursive: true, force: true });
  });

  const stack = useStack();

  before(async function () {
    this.timeout(300000);
    ({ daemons, demo } = stack);
    const glanceA = stack.glance('zone-a');
    for (let i = 0; i < 10; i++) {
      const { image } = await glanceA.createWithData(16 * 1024, { name: `load-${i}` });
      const res = await http('POST', `${daemons.apiUrl}/v1/images`, {
        token: demo.id,
        json: { source: { cloud: 'zone-a', image_id: image.id }, targets: ['zone-b'] },
      });
      assert.equal(res.status, 202, res.text);
      imageIds.push(res.body.id);
    }
    for (const id of imageIds) await waitForTasks(daemons.apiUrl, demo.id, id);
  });

  it(`answers ${CLIENTS} concurrent clients for ${SECONDS} s without an error, with flat memory`, async () => {
    const pids = Object.fromEntries(daemons.names.map((n) => [n, daemons.process(n)?.pid]));
    const report = await runLoad({
      api: daemons.apiUrl,
      token: demo.id,
      imageIds,
      clients: CLIENTS,
      seconds: SECONDS,
      warmupSeconds: WARMUP_SECONDS,
      settleSeconds: 2,
      pids,
    });
    console.log(formatReport(report));
    assert.equal(report.errors, 0, JSON.stringify(report.statuses));
    assert.ok(report.requests > SECONDS * 10, `only ${report.requests} requests`);
    for (const [name, m] of Object.entries(report.memory)) {
      // Flat: from the end of the warm-up to 2 s after the load, no daemon's RSS grows by more than 40 MiB,
      // nor goes over 200 MiB.
      assert.ok(m.end - m.start < 40, `${name} grew from ${m.start.toFixed(0)} to ${m.end.toFixed(0)} MiB`);
      assert.ok(m.max < 200, `${name} reached ${m.max.toFixed(0)} MiB`);
    }
    // And what the heaps hold after a full collection grew by less than 10 MiB over the same time: RSS
    // also follows the heap V8 sizes to the allocation rate, this only what is kept. A leak of 64 KiB a
    // list or show (tried on purpose, not kept) failed here while the RSS bound still passed.
    for (const [name, pid] of Object.entries(pids)) {
      const held = retained(probeDir, pid, report.baselineAt, report.endAt);
      console.log(`${name}: held after a full GC ${held.start.toFixed(1)} -> ${held.end.toFixed(1)} MiB`);
      assert.ok(
        held.end - held.start < 10,
        `${name} kept ${held.start.toFixed(1)} -> ${held.end.toFixed(1)} MiB after full collections`,
      );
    }
  });
});

/** A daemon's heap after full collections (support/heap-probe.ts) at the first probe from `from`, and the last until `to`. */
function retained(
  dir: string,
  pid: number | undefined,
  from: number,
  to: number,
): { start: number; end: number } {
  const probes = readFileSync(join(dir, `${pid}.tsv`), 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split('\t').map(Number) as [number, number])
    .filter(([at]) => at >= from && at <= to);
  assert.ok(probes.length >= 2, `daemon ${pid}: ${probes.length} heap probes between baseline and end`);
  return {
    start: (probes[0] as [number, number])[1],
    end: (probes[probes.length - 1] as [number, number])[1],
  };
}
