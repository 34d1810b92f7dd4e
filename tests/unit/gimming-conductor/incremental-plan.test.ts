/**
 * The incremental path of a sync that names a base (incremental-plan.ts): incremental where the target
 * holds an active copy of the base and both zones' agents make incremental copies, with the expected
 * bytes; otherwise a full copy whose plan says why.
 */
import assert from 'node:assert/strict';
import type { Capabilities } from '../../../src/gimming-conductor/capabilities';
import { type IncrementalBase, planIncremental } from '../../../src/gimming-conductor/incremental-plan';
import { type PlanCloud, type TargetPlan, copyPlanOf } from '../../../src/gimming-conductor/planner';
import { whatRan } from '../../../src/gimming-conductor/tasks/copy-plan';

const MiB = 1024 * 1024;
const glance = (incremental: boolean): Capabilities => ({
  can_export: true,
  can_import: true,
  disk_formats: [],
  container_formats: [],
  reported_hashes: ['md5', 'sha512'],
  native_copy: [],
  sharing: 'members',
  visibilities: ['private'],
  incremental,
});
const a: PlanCloud = { id: 'a', name: 'zone-a', zone: 'zone-a', type: 'openstack' };
const b: PlanCloud = { id: 'b', name: 'zone-b', zone: 'zone-b', type: 'openstack' };
const zones = (ia: boolean, ib: boolean) =>
  new Map([
    ['zone-a', new Map([['openstack', glance(ia)]])],
    ['zone-b', new Map([['openstack', glance(ib)]])],
  ]);
const streamed: TargetPlan = {
  cloud: 'zone-b',
  cloud_id: 'b',
  source_cloud: 'zone-a',
  source_cloud_id: 'a',
  path: 'agent',
  conversion: null,
  bytes: 1024 * MiB,
  refused: null,
};
const base: IncrementalBase = { id: 'old', size: 1000 * MiB, copies: new Map([['b', 'glance-old']]) };

describe('incremental plans', () => {
  it('plans the incremental path with the bytes expected to cross', () => {
    const plan = planIncremental(streamed, b, a, base, zones(true, true), 1024 * MiB);
    assert.equal(plan.path, 'incremental');
    assert.deepEqual(plan.incremental, {
      from: 'old',
      base_remote_id: 'glance-old',
      block_bytes: MiB,
      wire_bytes_min: 24 * MiB + 1024 * 32,
      wire_bytes_max: 1024 * MiB + 1024 * 32,
      fallback: null,
    });
    // Recorded on the task as planned, and kept as what ran.
    const recorded = copyPlanOf(plan);
    assert.equal(recorded?.path, 'incremental');
    assert.equal(
      whatRan(recorded, { image: { disk_format: 'raw' } as never, proof: 'cloud' }, 'raw', 1).path,
      'incremental',
    );
  });

  it('falls back to a full copy, with the reason', () => {
    const reasons: Array<[TargetPlan, IncrementalBase, ReturnType<typeof zones>, RegExp]> = [
      [streamed, { ...base, copies: new Map() }, zones(true, true), /has no active copy in cloud zone-b/],
      [streamed, base, zones(true, false), /agents of zone zone-b make no incremental copies/],
      [streamed, base, zones(false, true), /agents of zone zone-a serve no incremental copies/],
      [
        { ...streamed, path: 'agent+convert', conversion: { from: 'qcow2', to: 'raw' } },
        base,
        zones(true, true),
        /converted \(qcow2 to raw\) and the agents of zone zone-a do not convert an image for an incremental copy/,
      ],
      [{ ...streamed, path: 'native', bytes: 0 }, base, zones(true, true), /copies the image itself/],
    ];
    for (const [plan, b2, byZone, reason] of reasons) {
      const got = planIncremental(plan, b, a, b2, byZone, 1024 * MiB);
      assert.equal(got.path, plan.path);
      assert.equal(got.incremental?.base_remote_id, null);
      assert.match(got.incremental?.fallback ?? '', reason);
    }
  });

  it('plans a converted copy incremental where the source agents convert for it (sizes known only then)', () => {
    const converted: TargetPlan = {
      ...streamed,
      path: 'agent+convert',
      conversion: { from: 'qcow2', to: 'raw' },
    };
    const byZone = zones(true, true);
    const srcCaps = byZone.get('zone-a')!.get('openstack')!;
    byZone.get('zone-a')!.set('openstack', { ...srcCaps, incremental_conversion: true });
    const plan = planIncremental(converted, b, a, base, byZone, 1024 * MiB);
    assert.equal(plan.path, 'incremental');
    assert.deepEqual(plan.conversion, { from: 'qcow2', to: 'raw' }, 'still converted');
    assert.deepEqual(plan.incremental, {
      from: 'old',
      base_remote_id: 'glance-old',
      block_bytes: null,
      wire_bytes_min: null,
      wire_bytes_max: null,
      fallback: null,
    });
    // Recorded as planned, and still incremental once it ran converted.
    const ran = whatRan(
      copyPlanOf(plan)!,
      { image: { disk_format: 'raw' } as never, proof: 'converted' },
      'qcow2',
      1,
    );
    assert.equal(ran.path, 'incremental');
    assert.deepEqual(ran.conversion, { from: 'qcow2', to: 'raw' });
    // Staged data (no source cloud) is not converted by a source agent: a full copy.
    const staged = planIncremental(converted, b, null, base, byZone, 1024 * MiB);
    assert.equal(staged.path, 'agent+convert');
    assert.match(staged.incremental?.fallback ?? '', /from staged data, which is not converted/);
  });

  it('leaves targets that need no copy, or are refused, as they are', () => {
    const present: TargetPlan = { ...streamed, path: 'present', bytes: 0 };
    assert.deepEqual(planIncremental(present, b, a, base, zones(true, true), 1), present);
    const refused: TargetPlan = { ...streamed, path: null, refused: { code: 'x', message: 'y' } };
    assert.deepEqual(planIncremental(refused, b, a, base, zones(true, true), 1), refused);
  });
});
