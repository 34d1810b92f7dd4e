/**
 * The planner's rules for native copies and their reasons: a Glance target's native copy
 * (glance-download) is held to its largest image as the agent path is, EC2's CopyImage is not (its
 * agents' limit is the S3 object of an import); each target's plan says why its path was chosen (native,
 * or which zone does not offer or allow it; converted; a better copy refused); a copy that ran another
 * way says so (whatRan).
 */
import assert from 'node:assert/strict';
import type { Capabilities } from '../../../src/gimming-conductor/capabilities';
import { nativeCopyHeldToImageLimit } from '../../../src/gimming-conductor/cloud-kinds';
import {
  type PlanCloud,
  type PlanContext,
  type PlanSource,
  copyPlanOf,
  planTarget,
  settledTarget,
} from '../../../src/gimming-conductor/planner';
import { stagedSource } from '../../../src/gimming-conductor/plan-inputs';
import { whatRan } from '../../../src/gimming-conductor/tasks/copy-plan';

const MIB = 1024 * 1024;
const LIMIT = 8 * MIB;
/** A Glance zone whose Glance advertises glance-download and whose operator allows it (native_import auto). */
const glanceDownload: Capabilities = {
  can_export: true,
  can_import: true,
  disk_formats: ['raw', 'qcow2'],
  container_formats: ['bare'],
  reported_hashes: ['md5', 'sha512'],
  native_copy: ['openstack'],
  sharing: 'members',
  visibilities: ['private', 'public'],
  convertible_formats: ['raw', 'qcow2'],
  size_limits: { image_bytes: LIMIT, image_bytes_from: "Glance's image_size_cap", scratch_bytes: 2 * MIB },
};
/** The same zone with [glance] native_import = never, or a Glance that does not advertise it. */
const glanceStreams: Capabilities = { ...glanceDownload, native_copy: [] };
const aws: Capabilities = {
  ...glanceDownload,
  disk_formats: ['raw'],
  reported_hashes: [],
  native_copy: ['aws'],
  size_limits: { image_bytes: LIMIT, image_bytes_from: "S3's 10000 parts", scratch_bytes: 2 * MIB },
};
const cloud = (type: string, n: number): PlanCloud => ({
  id: `${type}-${n}`,
  name: `${type}-${n}`,
  zone: `z${type}${n}`,
  type,
});
const zones = (entries: Array<[string, string, Capabilities]>): PlanContext['byZone'] =>
  new Map(entries.map(([zone, type, caps]) => [zone, new Map([[type, caps]])]));
const ctx = (byZone: PlanContext['byZone'], size: number | null): PlanContext => ({
  byZone,
  zonesUp: new Set(byZone.keys()),
  size,
});
const copyIn = (type: string, n = 1, disk_format = 'raw'): PlanSource => ({
  cloud: cloud(type, n),
  proof: 'cloud',
  spec: { disk_format, container_format: 'bare' },
});
const bothNative = zones([
  ['zopenstack1', 'openstack', glanceDownload],
  ['zopenstack2', 'openstack', glanceDownload],
]);
const tooLargeMessage = (size: number) =>
  `The image (${size} bytes) is larger than cloud openstack-2 (openstack) takes: at most ${LIMIT} bytes ` +
  "(Glance's image_size_cap).";

describe('the planner: the size limit of a native copy', () => {
  it("refuses a Glance target's native copy (glance-download) of an image over its image_size_cap", () => {
    const plan = planTarget(cloud('openstack', 2), [copyIn('openstack')], ctx(bothNative, LIMIT + 1));
    assert.equal(plan.path, null);
    assert.deepEqual(plan.refused, { code: 'gimming.plan.too_large', message: tooLargeMessage(LIMIT + 1) });
    assert.equal(plan.source_cloud, 'openstack-1');
    // At the limit it is native, with no byte through the agents.
    const fits = planTarget(cloud('openstack', 2), [copyIn('openstack')], ctx(bothNative, LIMIT));
    assert.deepEqual([fits.path, fits.bytes, fits.refused], ['native', 0, null]);
  });
  it('refuses it with the same reason as the agent path would (the limit is the target cloud’s)', () => {
    const streams = zones([
      ['zopenstack1', 'openstack', glanceStreams],
      ['zopenstack2', 'openstack', glanceStreams],
    ]);
    const agent = planTarget(cloud('openstack', 2), [copyIn('openstack')], ctx(streams, LIMIT + 1));
    const native = planTarget(cloud('openstack', 2), [copyIn('openstack')], ctx(bothNative, LIMIT + 1));
    assert.deepEqual(native.refused, agent.refused);
  });
  it('does not hold a native copy to the scratch space of a conversion (nothing is converted)', () => {
    // 3 MiB of qcow2: over the 2 MiB scratch space, under the image limit.
    const plan = planTarget(
      cloud('openstack', 2),
      [copyIn('openstack', 1, 'qcow2')],
      ctx(bothNative, 3 * MIB),
    );
    assert.equal(plan.path, 'native');
  });
  it("does not hold EC2's CopyImage to its agents' limit, which is the S3 object of an import", () => {
    const ec2 = zones([
      ['zaws1', 'aws', aws],
      ['zaws2', 'aws', aws],
    ]);
    const plan = planTarget(cloud('aws', 2), [copyIn('aws')], ctx(ec2, 10 * LIMIT));
    assert.equal(plan.path, 'native');
    assert.equal(nativeCopyHeldToImageLimit('aws'), false);
    // Every other kind's limit is its cloud's own (a new kind is held to it until said otherwise).
    assert.equal(nativeCopyHeldToImageLimit('openstack'), true);
    assert.equal(nativeCopyHeldToImageLimit('gcp'), true);
  });
  it('refuses nothing while the size is not known', () => {
    assert.equal(
      planTarget(cloud('openstack', 2), [copyIn('openstack')], ctx(bothNative, null)).path,
      'native',
    );
  });
});

describe("the planner: each target's reason", () => {
  it('says a native copy is native, and which zones allow it', () => {
    const plan = planTarget(cloud('openstack', 2), [copyIn('openstack')], ctx(bothNative, MIB));
    assert.equal(
      plan.reason,
      'Native: cloud openstack-2 (openstack) copies the image from cloud openstack-1 itself, as the agents ' +
        'of zones zopenstack2 and zopenstack1 allow; no byte passes through the agents.',
    );
    assert.equal(copyPlanOf(plan)?.reason, plan.reason, 'the task records it');
  });
  it("says the target's zone offers no native copy (native_import = never, or not advertised)", () => {
    const targetStreams = zones([
      ['zopenstack1', 'openstack', glanceDownload],
      ['zopenstack2', 'openstack', glanceStreams],
    ]);
    const plan = planTarget(cloud('openstack', 2), [copyIn('openstack')], ctx(targetStreams, MIB));
    assert.equal(plan.path, 'agent');
    assert.equal(
      plan.reason,
      'Through the agents from cloud openstack-1: the agents of zone zopenstack2 offer no native copy from ' +
        'openstack clouds into cloud openstack-2 (openstack).',
    );
  });
  it("says the source's zone does not allow the native copy the target's could make", () => {
    const sourceStreams = zones([
      ['zopenstack1', 'openstack', glanceStreams],
      ['zopenstack2', 'openstack', glanceDownload],
    ]);
    const plan = planTarget(cloud('openstack', 2), [copyIn('openstack')], ctx(sourceStreams, MIB));
    assert.equal(plan.path, 'agent');
    assert.equal(
      plan.reason,
      'Through the agents from cloud openstack-1: cloud openstack-2 could copy from cloud openstack-1 ' +
        'itself, but the agents of zone zopenstack1 do not allow it (they name no openstack cloud among ' +
        "those their cloud's images are copied to natively).",
    );
  });
  it('says why a copy is converted, and that staged data goes through the agents', () => {
    const ec2 = zones([['zaws2', 'aws', aws]]);
    const plan = planTarget(cloud('aws', 2), [stagedSource({ disk_format: 'qcow2' })], ctx(ec2, MIB));
    assert.equal(plan.path, 'agent+convert');
    assert.equal(
      plan.reason,
      "Through the agents: the image's data is staged by an agent (an upload or an import), which only the " +
        'agents copy. Converted from qcow2 to raw by the agents of zone zaws2: cloud aws-2 takes no qcow2 ' +
        'images.',
    );
  });
  it('says why the better copy (the native one) is not read from', () => {
    const three = zones([
      ['zopenstack1', 'openstack', glanceDownload],
      ['zopenstack2', 'openstack', glanceDownload],
      ['zaws1', 'aws', aws],
    ]);
    const gone: PlanSource = {
      ...copyIn('openstack'),
      unreadable: { code: 'gimming.cloud.image_not_found', message: 'It is gone from its cloud.' },
    };
    const plan = planTarget(cloud('openstack', 2), [gone, copyIn('aws')], ctx(three, MIB));
    assert.deepEqual([plan.path, plan.source_cloud], ['agent', 'aws-1']);
    assert.equal(
      plan.reason,
      'The copy in cloud openstack-1 is not read from: It is gone from its cloud. Through the agents from ' +
        'cloud aws-1: the agents of zone zopenstack2 offer no native copy from aws clouds into cloud ' +
        'openstack-2 (openstack).',
    );
  });
  it('says why a target needs no copy', () => {
    assert.match(settledTarget(cloud('openstack', 2), 'present').reason ?? '', /holds a copy already/);
    assert.match(settledTarget(cloud('openstack', 2), 'tagged').reason ?? '', /tagged with the image's ID/);
    assert.match(settledTarget(cloud('openstack', 2), 'skipped').reason ?? '', /on_conflict is skip/);
  });
  it('a refused target has no reason besides its refusal', () => {
    const plan = planTarget(cloud('openstack', 2), [copyIn('openstack')], ctx(bothNative, LIMIT + 1));
    assert.equal(plan.reason, undefined);
    assert.equal(copyPlanOf(plan), null);
  });
});

describe("a task's reason when its copy ran another way (whatRan)", () => {
  const native = planTarget(cloud('openstack', 2), [copyIn('openstack')], ctx(bothNative, MIB));
  const planned = copyPlanOf(native)!;
  const image = (disk_format: string) => ({ disk_format }) as never;
  it('keeps the reason of a copy that ran as planned', () => {
    assert.deepEqual(whatRan(planned, { image: image('raw'), proof: 'provenance' }, 'raw', MIB), planned);
  });
  it('says a planned native copy was streamed, when it was', () => {
    const ran = whatRan(planned, { image: image('raw'), proof: 'agent' }, 'raw', MIB);
    assert.equal(ran.path, 'agent');
    assert.match(ran.reason ?? '', /^Planned native, but the target agent streamed the bytes/);
  });
  it('says why a copy was converted that the plan streamed as it is', () => {
    const streamed = { source_cloud: 'openstack-1', path: 'agent' as const, conversion: null, bytes: MIB };
    const ran = whatRan(
      { ...streamed, reason: 'x' },
      { image: image('raw'), proof: 'converted' },
      'qcow2',
      MIB,
    );
    assert.equal(
      ran.reason,
      "Converted from qcow2 to raw by the target agent: the target cloud's own format list takes no qcow2 " +
        'images.',
    );
  });
});
