/**
 * The test bed's zone count (GIMMING_TESTBED_ZONES): checked before anything starts, and `status` names
 * the Glance of every zone asked for, on its own port and region. Only `status` is run: the shared test
 * bed the other tests use is not changed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { testbed } from '../support/testbed';

const REGIONS = ['One', 'Two', 'Three', 'Four', 'Five', 'Six', 'Seven', 'Eight'].map((n) => `Region${n}`);
const SCRIPT = join(__dirname, '..', '..', '..', 'tools', 'testbed', 'testbed.sh');

function status(zones: string): { code: number | null; out: string } {
  const run = spawnSync('bash', [SCRIPT, 'status'], {
    env: { ...process.env, GIMMING_TESTBED_ZONES: zones },
    encoding: 'utf8',
    timeout: 60000,
  });
  return { code: run.status, out: `${run.stdout}${run.stderr}` };
}

describe("the test bed's zone count", function () {
  this.timeout(120000);

  before(function () {
    this.timeout(300000);
    testbed();
  });

  it('refuses a count outside 2 to 8 with the reason, before doing anything', () => {
    for (const bad of ['1', '9', 'four', '-3']) {
      const run = status(bad);
      assert.notEqual(run.code, 0, bad);
      assert.match(run.out, /GIMMING_TESTBED_ZONES must be a number of Glance zones from 2 to 8/, bad);
    }
  });

  it('names the Glance of each zone asked for, on its port in its region', () => {
    const two = status('2');
    assert.match(two.out, /^glance-a +healthy .*http:\/\/127\.0\.0\.1:9292 \(RegionOne\)/m);
    assert.match(two.out, /^glance-b +healthy .*http:\/\/127\.0\.0\.1:9293 \(RegionTwo\)/m);
    assert.doesNotMatch(two.out, /^glance-c/m);
    // Zones the test bed does not run are reported down, and status fails.
    const running = Object.keys(testbed().regions).length;
    const four = status('4');
    const state = (n: number) => (running >= n ? 'healthy' : 'down');
    if (running < 4) assert.equal(four.code, 1);
    assert.match(
      four.out,
      new RegExp(`^glance-c +${state(3)} .*http://127\\.0\\.0\\.1:9294 \\(RegionThree\\)`, 'm'),
    );
    assert.match(
      four.out,
      new RegExp(`^glance-d +${state(4)} .*http://127\\.0\\.0\\.1:9295 \\(RegionFour\\)`, 'm'),
    );
  });

  it('describes the zones it runs in testbed.json, in order', () => {
    const regions = Object.keys(testbed().regions);
    assert.ok(regions.length >= 2 && regions.length <= 8, regions.join());
    assert.deepEqual(regions, REGIONS.slice(0, regions.length));
  });
});
