/**
 * Load: concurrent clients list, show (with each copy's live metadata) and sync images for a bounded time
 * through the real daemons. No call may fail, and the daemons' memory must stay flat. The figures are
 * printed; `npm run bench:load` runs the same for longer.
 */
import assert from 'node:assert/strict';
import { DaemonSet, allPassed } from '../support/daemons';
import { registerClouds, waitForTasks } from '../support/flows';
import { http } from '../support/http';
import { formatReport, runLoad } from '../support/load';
import { Glance, type Token, issueToken } from '../support/openstack';
import { type Testbed, testbed } from '../support/testbed';

const SECONDS = Number(process.env.GIMMING_LOAD_SECONDS ?? 15);
const CLIENTS = Number(process.env.GIMMING_LOAD_CLIENTS ?? 16);

describe('load on the API', function () {
  this.timeout(300000);
  let bed: Testbed;
  let daemons: DaemonSet;
  let demo: Token;
  const imageIds: string[] = [];

  before(async function () {
    this.timeout(300000);
    bed = testbed();
    daemons = new DaemonSet(bed, { apiPort: 18995, agentPorts: { 'zone-a': 18996, 'zone-b': 18997 } });
    await daemons.start();
    const admin = await issueToken(bed, bed.users.admin);
    demo = await issueToken(bed, bed.users.demo);
    await registerClouds(daemons.apiUrl, admin.id);
    const glanceA = new Glance(bed.regions.RegionOne!.glance_url, demo.id);
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

  after(async function () {
    this.timeout(60000);
    if (daemons) await daemons.stop(!allPassed(this.test?.parent));
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
