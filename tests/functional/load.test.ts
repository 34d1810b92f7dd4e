/**
 * Load: concurrent clients list, show (with each copy's live metadata) and sync images for a bounded time
 * through the real daemons. No call may fail, and the daemons' memory must stay flat. The figures are
 * printed; `npm run bench:load` runs the same for longer.
 */
import assert from 'node:assert/strict';
import type { DaemonSet } from '../support/daemons';
import { waitForTasks } from '../support/flows';
import { http } from '../support/http';
import { formatReport, runLoad } from '../support/load';
import type { Token } from '../support/openstack';
import { useStack } from '../support/stack';

const SECONDS = Number(process.env.GIMMING_LOAD_SECONDS ?? 15);
const CLIENTS = Number(process.env.GIMMING_LOAD_CLIENTS ?? 16);

describe('load on the API', function () {
  this.timeout(300000);
  let daemons: DaemonSet;
  let demo: Token;
  const imageIds: string[] = [];

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
      pids,
    });
    console.log(formatReport(report));
    assert.equal(report.errors, 0, JSON.stringify(report.statuses));
    assert.ok(report.requests > SECONDS * 10, `only ${report.requests} requests`);
    for (const [name, m] of Object.entries(report.memory)) {
      // Flat: after the first second, no daemon grows by more than 40 MiB, nor goes over 200 MiB.
      assert.ok(m.end - m.start < 40, `${name} grew from ${m.start.toFixed(0)} to ${m.end.toFixed(0)} MiB`);
      assert.ok(m.max < 200, `${name} reached ${m.max.toFixed(0)} MiB`);
    }
  });
});
