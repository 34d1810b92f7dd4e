/**
 * What the agents say of their cloud's native copy (RPC 1.22): the limit it is held to
 * (Capabilities.native_copy_limit: Glance's image_size_cap, none for EC2's CopyImage), which the planner
 * follows whatever the kind, with the rule per kind for an agent that does not say it
 * (cloud-kinds.ts nativeCopyHeldToImageLimit); and why a zone offers none
 * (native_copy_unavailable: [glance] native_import = never, or a Glance not advertising
 * glance-download), which the plan's reason then names alone.
 */
import assert from 'node:assert/strict';
import type { Capabilities } from '../../../src/gimming-conductor/capabilities';
import {
  type PlanCloud,
  type PlanContext,
  type PlanSource,
  nativeCopyLimit,
  planTarget,
} from '../../../src/gimming-conductor/planner';
import { driver as awsDriver } from '../../../src/gimming-agent/drivers/aws';
import { driver as glance } from '../../../src/gimming-agent/drivers/glance';
import { driver as gcpDriver } from '../../../src/gimming-agent/drivers/gcp';
import { ImportMethodCache } from '../../../src/gimming-agent/drivers/glance/import-methods';
import { agentDriverInfo } from '../../../src/gimming-agent/service';
import type { GimmingConfig } from '../../../src/common/config/schema';

const MIB = 1024 * 1024;
const LIMIT = 8 * MIB;
const base: Capabilities = {
  can_export: true,
  can_import: true,
  disk_formats: ['raw', 'qcow2'],
  container_formats: ['bare'],
  reported_hashes: [],
  native_copy: [],
  sharing: 'members',
  visibilities: ['private', 'public'],
  convertible_formats: ['raw', 'qcow2'],
  size_limits: { image_bytes: LIMIT, image_bytes_from: 'the target cloud', scratch_bytes: 2 * MIB },
};
const cloud = (type: string, n: number): PlanCloud => ({
  id: `${type}-${n}`,
  name: `${type}-${n}`,
  zone: `z${type}${n}`,
  type,
});
/** Two zones of one kind whose agents both offer its native copy, with `extra` in the target's. */
const nativePair = (type: string, extra: Partial<Capabilities>, source: Partial<Capabilities> = {}) => {
  const caps = { ...base, native_copy: [type] };
  const byZone: PlanContext['byZone'] = new Map([
    [`z${type}1`, new Map([[type, { ...caps, ...source }]])],
    [`z${type}2`, new Map([[type, { ...caps, ...extra }]])],
  ]);
  return (size: number | null): PlanContext => ({ byZone, zonesUp: new Set(byZone.keys()), size });
};
const copyIn = (type: string): PlanSource => ({
  cloud: cloud(type, 1),
  proof: 'cloud',
  spec: { disk_format: 'raw', container_format: 'bare' },
});
const plan = (type: string, ctx: PlanContext) => planTarget(cloud(type, 2), [copyIn(type)], ctx);

describe('the planner: the native copy limit its agents report (1.22)', () => {
  it('holds a native copy to the limit the target zone reports, with where it comes from', () => {
    const limit = { image_bytes: LIMIT, image_bytes_from: '[agent] glance_image_size_cap = 8388608' };
    const ctx = nativePair('openstack', { native_copy_limit: limit });
    const refused = plan('openstack', ctx(LIMIT + 1));
    assert.equal(refused.path, null);
    assert.deepEqual(refused.refused, {
      code: 'gimming.plan.too_large',
      message:
        `The image (${LIMIT + 1} bytes) is larger than cloud openstack-2 (openstack) takes: at most ` +
        `${LIMIT} bytes ([agent] glance_image_size_cap = 8388608).`,
    });
    assert.equal(plan('openstack', ctx(LIMIT)).path, 'native');
  });
  it('holds it to no limit where the zone reports none (EC2: image_bytes 0), over its import limit', () => {
    const ctx = nativePair('aws', { native_copy_limit: { image_bytes: 0, image_bytes_from: '' } });
    const p = plan('aws', ctx(100 * LIMIT));
    assert.deepEqual([p.path, p.bytes, p.refused], ['native', 0, null]);
  });
  it('follows what the agents report over the rule per kind, either way', () => {
    // A Glance zone saying its native copy is not held (0), and an EC2 zone saying it is (4 MiB).
    const glanceFree = nativePair('openstack', {
      native_copy_limit: { image_bytes: 0, image_bytes_from: '' },
    });
    assert.equal(plan('openstack', glanceFree(10 * LIMIT)).path, 'native');
    const ec2Held = nativePair('aws', {
      native_copy_limit: { image_bytes: 4 * MIB, image_bytes_from: 'a test' },
    });
    assert.equal(plan('aws', ec2Held(5 * MIB)).refused?.code, 'gimming.plan.too_large');
    assert.equal(plan('aws', ec2Held(4 * MIB)).path, 'native');
  });
  it('keeps the rule per kind for an agent before 1.22, which reports no native copy limit', () => {
    const oldGlance = nativePair('openstack', {});
    assert.equal(plan('openstack', oldGlance(LIMIT + 1)).refused?.code, 'gimming.plan.too_large');
    assert.equal(plan('openstack', oldGlance(LIMIT)).path, 'native');
    const oldEc2 = nativePair('aws', {});
    assert.equal(plan('aws', oldEc2(100 * LIMIT)).path, 'native');
    assert.deepEqual(nativeCopyLimit('openstack', base), base.size_limits);
    assert.equal(nativeCopyLimit('aws', base), null);
    assert.equal(nativeCopyLimit('openstack', null), null);
  });
  it('takes only the target zone’s word: the source zone’s limit does not matter', () => {
    const ctx = nativePair(
      'openstack',
      { native_copy_limit: { image_bytes: 0, image_bytes_from: '' } },
      { native_copy_limit: { image_bytes: 1, image_bytes_from: 'the source' } },
    );
    assert.equal(plan('openstack', ctx(LIMIT * 2)).path, 'native');
  });
});

describe("the plan's reason: why a zone offers no native copy, as its agents say (1.22)", () => {
  const streams = (said: Record<string, string> | undefined, side: 'target' | 'source') => {
    const off: Capabilities = {
      ...base,
      native_copy: [],
      ...(said ? { native_copy_unavailable: said } : {}),
    };
    const on: Capabilities = { ...base, native_copy: ['openstack'] };
    const byZone: PlanContext['byZone'] = new Map([
      ['zopenstack1', new Map([['openstack', side === 'source' ? off : on]])],
      ['zopenstack2', new Map([['openstack', side === 'target' ? off : on]])],
    ]);
    return { byZone, zonesUp: new Set(byZone.keys()), size: MIB };
  };
  const head =
    'Through the agents from cloud openstack-1: the agents of zone zopenstack2 offer no native copy from ' +
    'openstack clouds into cloud openstack-2 (openstack)';
  it('names [glance] native_import = never where the target zone says so', () => {
    const p = plan('openstack', streams({ openstack: 'their [glance] native_import is never' }, 'target'));
    assert.equal(p.path, 'agent');
    assert.equal(p.reason, `${head}: their [glance] native_import is never.`);
  });
  it('names a Glance that does not advertise glance-download where the target zone says so', () => {
    const said = "the zone's Glance does not advertise the glance-download import method";
    assert.equal(plan('openstack', streams({ openstack: said }, 'target')).reason, `${head}: ${said}.`);
  });
  it('names why the source zone does not allow it', () => {
    const p = plan('openstack', streams({ openstack: 'their [glance] native_import is never' }, 'source'));
    assert.equal(
      p.reason,
      'Through the agents from cloud openstack-1: cloud openstack-2 could copy from cloud openstack-1 ' +
        'itself, but the agents of zone zopenstack1 do not allow it (they name no openstack cloud among ' +
        "those their cloud's images are copied to natively): their [glance] native_import is never.",
    );
  });
  it('says nothing more for an older agent, nor for another kind than the one it names', () => {
    assert.equal(plan('openstack', streams(undefined, 'target')).reason, `${head}.`);
    assert.equal(plan('openstack', streams({ aws: 'elsewhere' }, 'target')).reason, `${head}.`);
  });
});

describe('what each driver reports of its native copy', () => {
  const config = (nativeImport: 'auto' | 'never') =>
    ({
      agent: { glance_image_size_cap: 1234567, staging_max_bytes: 1, image_conversion: false },
      glance: { native_import: nativeImport },
      aws: { part_size_mb: 8 },
    }) as unknown as GimmingConfig;
  it('Glance: held to [agent] glance_image_size_cap, as every image its Glance stores', () => {
    assert.deepEqual(agentDriverInfo(config('auto'), glance).capabilities.native_copy_limit, {
      image_bytes: 1234567,
      image_bytes_from: "[agent] glance_image_size_cap = 1234567, Glance's image_size_cap",
    });
  });
  it('EC2: CopyImage is held to none of the import limits; GCE: its image limit (it has no native copy)', () => {
    const ec2 = agentDriverInfo(config('auto'), awsDriver).capabilities;
    assert.deepEqual(ec2.native_copy_limit, { image_bytes: 0, image_bytes_from: '' });
    assert.ok((ec2.size_limits?.image_bytes ?? 0) > 0, 'while its import has a limit');
    assert.deepEqual(ec2.native_copy_unavailable, {});
    const gce = agentDriverInfo(config('auto'), gcpDriver).capabilities;
    assert.equal(gce.native_copy_limit?.image_bytes, 5 * 1024 ** 4);
  });
  it('Glance: says native_import = never apart from a Glance not read yet', () => {
    assert.deepEqual(agentDriverInfo(config('never'), glance).capabilities.native_copy_unavailable, {
      openstack: 'their [glance] native_import is never',
    });
    // No Glance was read in this process: the agent cannot say yet whether it advertises glance-download.
    assert.deepEqual(agentDriverInfo(config('auto'), glance).capabilities.native_copy_unavailable, {
      openstack: "they have not read yet whether the zone's Glance advertises glance-download",
    });
  });
  it('the import methods read tell a Glance without glance-download from one not read yet', async () => {
    const cache = new ImportMethodCache();
    assert.equal(cache.advertised('glance-download'), 'unknown');
    await cache.get('https://a/image', () => Promise.resolve(['glance-direct', 'web-download']));
    assert.equal(cache.advertised('glance-download'), 'no');
    assert.equal(cache.everywhere('glance-download'), false);
    const both = new ImportMethodCache();
    await both.get('https://a/image', () => Promise.resolve(['glance-download']));
    assert.equal(both.advertised('glance-download'), 'yes');
    assert.equal(both.everywhere('glance-download'), true);
  });
});
