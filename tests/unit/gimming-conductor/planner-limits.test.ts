/**
 * The planner's size limits (a target cloud's largest image, the scratch space a conversion has), native
 * copies only where both zones allow them (Glance's glance-download between two Glance zones, as EC2's
 * CopyImage), and a task's record of the path that ran (tasks/copy-plan.ts whatRan).
 */
import assert from 'node:assert/strict';
import type { Capabilities } from '../../../src/gimming-conductor/capabilities';
import {
  type PlanCloud,
  type PlanContext,
  type PlanSource,
  planTarget,
} from '../../../src/gimming-conductor/planner';
import { whatRan } from '../../../src/gimming-conductor/tasks/copy-plan';
import { awsImageSizeLimit } from '../../../src/gimming-agent/drivers/aws/config';
import { driver as glance } from '../../../src/gimming-agent/drivers/glance';
import { driver as gcpDriver } from '../../../src/gimming-agent/drivers/gcp';
import { agentDriverInfo } from '../../../src/gimming-agent/service';
import type { GimmingConfig } from '../../../src/common/config/schema';

const MIB = 1024 * 1024;
const openstack: Capabilities = {
  can_export: true,
  can_import: true,
  disk_formats: ['raw', 'qcow2'],
  container_formats: ['bare'],
  reported_hashes: ['md5', 'sha512'],
  native_copy: [],
  sharing: 'members',
  visibilities: ['private', 'public'],
  convertible_formats: ['raw', 'qcow2'],
  size_limits: { image_bytes: 8 * MIB, image_bytes_from: "Glance's image_size_cap", scratch_bytes: 0 },
};
const aws: Capabilities = {
  ...openstack,
  disk_formats: ['raw'],
  reported_hashes: [],
  native_copy: ['aws'],
  size_limits: { image_bytes: 80 * MIB, image_bytes_from: "S3's 10000 parts", scratch_bytes: 4 * MIB },
};
const cloud = (type: string, n: number): PlanCloud => ({
  id: `${type}-${n}`,
  name: `${type}-${n}`,
  zone: `z${type}${n}`,
  type,
});
const zones = (entries: Array<[string, string, Capabilities]>): PlanContext['byZone'] =>
  new Map(entries.map(([zone, type, caps]) => [zone, new Map([[type, caps]])]));
const byZone = zones([
  ['zopenstack1', 'openstack', openstack],
  ['zopenstack2', 'openstack', openstack],
  ['zaws1', 'aws', aws],
  ['zaws2', 'aws', aws],
]);
const ctx = (size: number | null, z = byZone): PlanContext => ({
  byZone: z,
  zonesUp: new Set(z.keys()),
  size,
});
const copyIn = (type: string, disk_format: string): PlanSource => ({
  cloud: cloud(type, 1),
  proof: 'cloud',
  spec: { disk_format, container_format: 'bare' },
});

describe('the planner: size limits', () => {
  it('refuses an image larger than the target cloud takes, naming the limit and where it comes from', () => {
    const plan = planTarget(cloud('openstack', 2), [copyIn('openstack', 'raw')], ctx(8 * MIB + 1));
    assert.equal(plan.path, null);
    assert.equal(plan.refused?.code, 'gimming.plan.too_large');
    assert.equal(
      plan.refused?.message,
      `The image (${8 * MIB + 1} bytes) is larger than cloud openstack-2 (openstack) takes: at most ` +
        `${8 * MIB} bytes (Glance's image_size_cap).`,
    );
    assert.equal(planTarget(cloud('openstack', 2), [copyIn('openstack', 'raw')], ctx(8 * MIB)).path, 'agent');
  });
  it('refuses a conversion larger than the scratch space of the target zone ([agent] staging_max_bytes)', () => {
    const plan = planTarget(cloud('aws', 2), [copyIn('openstack', 'qcow2')], ctx(5 * MIB));
    assert.equal(plan.refused?.code, 'gimming.plan.too_large');
    assert.match(
      plan.refused?.message ?? '',
      /needs more scratch space than the agents of zone zaws2 have: at most 4194304 bytes \(\[agent\] staging_max_bytes\)/,
    );
    // The same size as it is (no conversion) needs no scratch space.
    assert.equal(planTarget(cloud('aws', 2), [copyIn('openstack', 'raw')], ctx(5 * MIB)).path, 'agent');
    assert.equal(
      planTarget(cloud('aws', 2), [copyIn('openstack', 'qcow2')], ctx(4 * MIB)).path,
      'agent+convert',
    );
  });
  it("refuses the target whatever the source: the limit is the target's", () => {
    const plan = planTarget(
      cloud('openstack', 2),
      [copyIn('aws', 'raw'), copyIn('openstack', 'raw')],
      ctx(9 * MIB),
    );
    assert.equal(plan.refused?.code, 'gimming.plan.too_large');
  });
  it("does not hold a native copy to the import limits (EC2's CopyImage)", () => {
    const plan = planTarget(cloud('aws', 2), [copyIn('aws', 'raw')], ctx(100 * MIB));
    assert.equal(plan.path, 'native');
  });
  it('refuses nothing while the size is unknown (an upload before its data), nor without limits', () => {
    assert.equal(planTarget(cloud('openstack', 2), [copyIn('openstack', 'raw')], ctx(null)).path, 'agent');
    const silent = zones([
      ['zopenstack1', 'openstack', { ...openstack, size_limits: undefined }],
      [
        'zopenstack2',
        'openstack',
        { ...openstack, size_limits: { image_bytes: 0, image_bytes_from: '', scratch_bytes: 0 } },
      ],
    ]);
    assert.equal(
      planTarget(cloud('openstack', 2), [copyIn('openstack', 'raw')], ctx(1e12, silent)).path,
      'agent',
    );
  });
});

describe('the planner: native copies where both zones allow them', () => {
  const glanceDownload: Capabilities = { ...openstack, native_copy: ['openstack'], size_limits: undefined };
  it('plans Glance -> Glance natively where both zones say their Glance copies from another', () => {
    const both = zones([
      ['zopenstack1', 'openstack', glanceDownload],
      ['zopenstack2', 'openstack', glanceDownload],
    ]);
    const plan = planTarget(cloud('openstack', 2), [copyIn('openstack', 'qcow2')], ctx(MIB, both));
    assert.deepEqual([plan.path, plan.bytes, plan.conversion], ['native', 0, null]);
  });
  it("streams the bytes where the source's zone does not allow it (its agents name no such copy)", () => {
    const one = zones([
      ['zopenstack1', 'openstack', { ...openstack, size_limits: undefined }],
      ['zopenstack2', 'openstack', glanceDownload],
    ]);
    assert.equal(
      planTarget(cloud('openstack', 2), [copyIn('openstack', 'qcow2')], ctx(MIB, one)).path,
      'agent',
    );
  });
  it("plans natively where the source's zone says nothing of its kind (an agent before 1.8)", () => {
    const silentSource = zones([['zaws2', 'aws', aws]]);
    const plan = planTarget(cloud('aws', 2), [copyIn('aws', 'raw')], {
      byZone: silentSource,
      zonesUp: new Set(['zaws1', 'zaws2']),
      size: MIB,
    });
    assert.equal(plan.path, 'native');
  });
});

describe("a task's record of what ran (whatRan)", () => {
  const planned = { source_cloud: 'aws-1', path: 'native' as const, conversion: null, bytes: 0 };
  const image = (disk_format: string) => ({ disk_format }) as never;
  it('keeps a native plan the cloud carried out (its provenance is the proof)', () => {
    assert.deepEqual(whatRan(planned, { image: image('raw'), proof: 'provenance' }, 'raw', MIB), planned);
  });
  it('records the bytes streamed when a planned native copy was made through the agents', () => {
    assert.deepEqual(whatRan(planned, { image: image('raw'), proof: 'agent' }, 'raw', 3 * MIB), {
      source_cloud: 'aws-1',
      path: 'agent',
      conversion: null,
      bytes: 3 * MIB,
    });
  });
  it("records a conversion the agent made that the plan did not know of (the cloud's own format list)", () => {
    const streamed = { source_cloud: 'openstack-1', path: 'agent' as const, conversion: null, bytes: MIB };
    assert.deepEqual(whatRan(streamed, { image: image('raw'), proof: 'converted' }, 'qcow2', MIB), {
      ...streamed,
      path: 'agent+convert',
      conversion: { from: 'qcow2', to: 'raw' },
    });
    assert.deepEqual(whatRan(streamed, { image: image('qcow2'), proof: 'cloud' }, 'qcow2', MIB), streamed);
  });
  it('takes the disk format a cloud shows for no conversion (an AMI shows its export format)', () => {
    const intoEc2 = { source_cloud: 'openstack-1', path: 'agent' as const, conversion: null, bytes: MIB };
    assert.deepEqual(whatRan(intoEc2, { image: image('raw'), proof: 'agent' }, 'vmdk', MIB), intoEc2);
    const converted = {
      ...intoEc2,
      path: 'agent+convert' as const,
      conversion: { from: 'qcow2', to: 'raw' },
    };
    assert.deepEqual(
      whatRan(converted, { image: image('vmdk'), proof: 'converted' }, 'qcow2', MIB),
      converted,
    );
  });
});

describe("the agents' size limits, as their heartbeats send them", () => {
  it("EC2: S3's 10000 parts of [aws] part_size_mb, or its 5 TiB object", () => {
    assert.deepEqual(awsImageSizeLimit({ part_size_mb: 8 } as never), {
      bytes: 10000 * 8 * MIB,
      from: "S3's 10000 parts of [aws] part_size_mb = 8 MiB for the import's object",
    });
    assert.equal(awsImageSizeLimit({ part_size_mb: 5120 } as never).bytes, 5 * 1024 ** 4);
  });
  const config = (glanceCap: number, conversion: boolean) =>
    ({
      agent: { glance_image_size_cap: glanceCap, staging_max_bytes: 123456789, image_conversion: conversion },
    }) as unknown as GimmingConfig;
  it('Glance: [agent] glance_image_size_cap; scratch: [agent] staging_max_bytes where the agent converts', () => {
    const info = agentDriverInfo(config(1099511627776, true), glance);
    assert.deepEqual(info.capabilities.size_limits, {
      image_bytes: 1099511627776,
      image_bytes_from: "[agent] glance_image_size_cap = 1099511627776, Glance's image_size_cap",
      scratch_bytes: 123456789,
    });
    assert.equal(agentDriverInfo(config(0, false), glance).capabilities.size_limits?.scratch_bytes, 0);
    assert.equal(agentDriverInfo(config(0, false), glance).capabilities.size_limits?.image_bytes, 0);
  });
  it("GCE: Cloud Storage's largest object", () => {
    assert.equal(
      agentDriverInfo(config(0, true), gcpDriver).capabilities.size_limits?.image_bytes,
      5 * 1024 ** 4,
    );
  });
});
