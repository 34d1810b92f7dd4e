/**
 * Which copies of an upload start while it arrives (live-copies.ts): streamed copies do, where both the
 * staging agent and the target's agents read live; conversions, EC2 imports, GCE images of undeclared
 * size and older agents wait for the whole upload, and the plan's reason says why.
 */
import assert from 'node:assert/strict';
import { isLivePlan, liveDecision, readsLive, withLive } from '../../../src/gimming-conductor/live-copies';
import type { CopyPlan } from '../../../src/gimming-conductor/planner';

const plan: CopyPlan = {
  source_cloud: null,
  path: 'agent',
  conversion: null,
  bytes: 10,
  reason: 'Streamed.',
};
const glance = { type: 'openstack', name: 'zone-b' };
const both = { staging: true, target: true };

describe('live copies of an upload', () => {
  it('starts a streamed copy to Glance at once, with or without a declared size', () => {
    assert.equal(liveDecision(glance, plan, undefined, both).started, true);
    assert.equal(liveDecision(glance, plan, 10, both).started, true);
  });

  it('waits for the whole upload where the path needs all of the data, and says why', () => {
    const converted = { ...plan, path: 'agent+convert' as const, conversion: { from: 'qcow2', to: 'raw' } };
    const cases: Array<[ReturnType<typeof liveDecision>, RegExp]> = [
      [liveDecision(glance, converted, 10, both), /stream|convert/],
      [liveDecision(glance, { ...plan, conversion: { from: 'qcow2', to: 'raw' } }, 10, both), /convert/],
      [liveDecision({ type: 'aws', name: 'ec2' }, plan, 10, both), /EC2 import/],
      [liveDecision({ type: 'gcp', name: 'gce' }, plan, undefined, both), /size/],
      [liveDecision(glance, plan, 10, { staging: false, target: true }), /staging agent/],
      [liveDecision(glance, plan, 10, { staging: true, target: false }), /zone-b/],
      [liveDecision(glance, null, 10, both), /stream/],
    ];
    for (const [decision, why] of cases) {
      assert.equal(decision.started, false, decision.reason);
      assert.match(decision.reason, /^Waits for the whole upload: /);
      assert.match(decision.reason, why);
    }
    assert.equal(liveDecision({ type: 'gcp', name: 'gce' }, plan, 10, both).started, true);
  });

  it('records the decision in the plan and its reason', () => {
    const live = withLive(plan, liveDecision(glance, plan, 10, both));
    assert.match(live.reason ?? '', /^Streamed\. Starts while the upload arrives/);
    assert.equal(isLivePlan(JSON.stringify(live)), true);
    assert.equal(isLivePlan(JSON.stringify(plan)), false);
    assert.equal(isLivePlan(null), false);
  });

  it('keeps the declared size and the upload in the plan, and tells its reason once', () => {
    const decision = { ...liveDecision(glance, plan, 10, both), declaredSize: 10, uploadId: 'u-1' };
    const live = withLive(plan, decision);
    assert.deepEqual(live.live, decision);
    // A copy's run plans it again (copy-plan.ts followPlan) and records the same decision.
    const again = withLive(live, decision);
    assert.equal(again.reason, live.reason);
    assert.equal((live.reason ?? '').split('Starts while the upload arrives').length, 2);
  });

  it('takes an agent for a live reader only when every driver of it says so', () => {
    const caps = (live?: boolean) =>
      JSON.stringify([{ name: 'openstack', capabilities: { live_staging_reads: live } }]);
    assert.equal(readsLive({ drivers: caps(true) }), true);
    assert.equal(readsLive({ drivers: caps(undefined) }), false, 'an older agent');
    assert.equal(readsLive({ drivers: null }), false);
  });
});
