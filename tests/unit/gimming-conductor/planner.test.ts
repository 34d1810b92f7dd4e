/**
 * The planner, for every kind of source x every kind of target (openstack, aws, gcp as their drivers
 * describe themselves), from staged data, and for every refusal it knows.
 */
import assert from 'node:assert/strict';
import type { Capabilities } from '../../../src/gimming-conductor/capabilities';
import {
  type PlanCloud,
  type PlanContext,
  type PlanSource,
  copyPlanOf,
  planTarget,
  planTargets,
  refusals,
} from '../../../src/gimming-conductor/planner';
import { assertPlanned } from '../../../src/gimming-conductor/plan-inputs';
import { GimmingError } from '../../../src/common/errors';

const CONVERTS = ['raw', 'qcow2', 'vmdk', 'vdi', 'vhd', 'vhdx'];
// The capability values each driver sends (src/gimming-agent/drivers/*/index.ts), with an agent that
// converts (image_conversion on).
const openstack: Capabilities = {
  can_export: true,
  can_import: true,
  disk_formats: ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop'],
  container_formats: ['bare', 'ovf', 'ova', 'aki', 'ari', 'ami', 'docker', 'compressed'],
  reported_hashes: ['md5', 'sha512'],
  native_copy: [],
  sharing: 'members',
  visibilities: ['private', 'shared', 'community', 'public'],
  convertible_formats: CONVERTS,
};
const aws: Capabilities = {
  can_export: true,
  can_import: true,
  disk_formats: ['raw', 'vmdk', 'vhd'],
  container_formats: ['bare'],
  reported_hashes: [],
  native_copy: ['aws'],
  sharing: 'members',
  visibilities: ['private', 'public'],
  fixed_names: true,
  records_proof: true,
  owners_are_projects: false,
  convertible_formats: CONVERTS,
};
const gcp: Capabilities = {
  ...aws,
  can_export: false,
  disk_formats: ['raw'],
  native_copy: [],
};
const KINDS = { openstack, aws, gcp } as const;
type Kind = keyof typeof KINDS;

// Two clouds of each kind, in zones of their own: the source is one, the target the other.
const cloud = (kind: Kind, n: 1 | 2): PlanCloud => ({
  id: `${kind}-${n}`,
  name: `${kind}-${n}`,
  zone: `${kind}-zone-${n}`,
  type: kind,
});
const byZone = new Map(
  (Object.keys(KINDS) as Kind[]).flatMap((k) =>
    [1, 2].map((n) => [`${k}-zone-${n}`, new Map([[k, KINDS[k]]])]),
  ),
) as PlanContext['byZone'];
const pc: PlanContext = { byZone, zonesUp: new Set(byZone.keys()), size: 1048576 };

// The format a copy of each kind holds: Glance keeps the upload's qcow2, EC2 and GCE hold what they took.
const FORMAT: Record<Kind, string> = { openstack: 'qcow2', aws: 'raw', gcp: 'raw' };
const copyIn = (kind: Kind, proof = kind === 'openstack' ? 'cloud' : 'agent'): PlanSource => ({
  cloud: cloud(kind, 1),
  proof,
  spec: { disk_format: FORMAT[kind], container_format: 'bare' },
});

/** What every pair is planned as: the path, the conversion, the bytes through the agents or the refusal. */
const EXPECTED: Record<Kind, Record<Kind, [string | null, string | null, number | null, string | null]>> = {
  openstack: {
    openstack: ['agent', null, 1048576, null],
    aws: ['agent+convert', 'qcow2->raw', 1048576, null],
    gcp: ['agent+convert', 'qcow2->raw', 1048576, null],
  },
  aws: {
    openstack: ['agent', null, 1048576, null],
    aws: ['native', null, 0, null],
    gcp: ['agent', null, 1048576, null],
  },
  gcp: {
    openstack: [null, null, null, 'gimming.plan.cannot_export'],
    aws: [null, null, null, 'gimming.plan.cannot_export'],
    gcp: [null, null, null, 'gimming.plan.cannot_export'],
  },
};

describe('the planner', () => {
  describe('every kind of source x every kind of target', () => {
    for (const from of Object.keys(KINDS) as Kind[]) {
      for (const to of Object.keys(KINDS) as Kind[]) {
        const [path, conversion, bytes, refused] = EXPECTED[from][to];
        it(`${from} -> ${to}: ${path ?? refused}${conversion ? ` (${conversion})` : ''}`, () => {
          const plan = planTarget(cloud(to, 2), [copyIn(from)], pc);
          assert.equal(plan.path, path);
          assert.equal(plan.conversion ? `${plan.conversion.from}->${plan.conversion.to}` : null, conversion);
          assert.equal(plan.bytes, bytes);
          assert.equal(plan.refused?.code ?? null, refused);
          assert.equal(plan.cloud, `${to}-2`);
          assert.equal(plan.source_cloud, `${from}-1`);
          assert.equal(plan.source_cloud_id, `${from}-1`);
          if (refused) assert.match(plan.refused?.message ?? '', new RegExp(`Cloud ${from}-1 \\(${from}\\)`));
        });
      }
    }
  });

  describe('from staged data (an upload or an import)', () => {
    const staged = (disk_format: string, container_format = 'bare'): PlanSource => ({
      cloud: null,
      proof: null,
      spec: { disk_format, container_format },
    });
    const upload: PlanContext = { ...pc, size: null };
    for (const to of Object.keys(KINDS) as Kind[]) {
      it(`qcow2 -> ${to}`, () => {
        const plan = planTarget(cloud(to, 2), [staged('qcow2')], upload);
        assert.equal(plan.source_cloud, null);
        assert.equal(plan.bytes, null, 'the size is not known before the upload');
        assert.deepEqual(plan.conversion, to === 'openstack' ? null : { from: 'qcow2', to: 'raw' });
        assert.equal(plan.path, to === 'openstack' ? 'agent' : 'agent+convert');
      });
    }
    it('refuses a format no path produces (iso into EC2: qemu-img does not read it)', () => {
      const plan = planTarget(cloud('aws', 2), [staged('iso')], upload);
      assert.equal(plan.refused?.code, 'gimming.plan.disk_format');
      assert.match(plan.refused?.message ?? '', /takes no iso images \(it takes raw, vmdk, vhd\)/);
      assert.match(plan.refused?.message ?? '', /convert none to a format it takes/);
    });
    it('refuses a container the target does not take', () => {
      const plan = planTarget(cloud('gcp', 2), [staged('raw', 'ova')], upload);
      assert.equal(plan.refused?.code, 'gimming.plan.container_format');
    });
    it('refuses a conversion where the zone converts nothing', () => {
      const plain = new Map(byZone);
      plain.set('aws-zone-2', new Map([['aws', { ...aws, convertible_formats: [] }]]));
      const plan = planTarget(cloud('aws', 2), [staged('qcow2')], { ...upload, byZone: plain });
      assert.equal(plan.refused?.code, 'gimming.plan.disk_format');
      assert.match(plan.refused?.message ?? '', /the agents of its zone convert none\./);
    });
  });

  describe('choosing among several copies', () => {
    it('EC2 -> EC2 natively over a Glance copy listed first', () => {
      const plan = planTarget(cloud('aws', 2), [copyIn('openstack'), copyIn('aws')], pc);
      assert.equal(plan.path, 'native');
      assert.equal(plan.source_cloud, 'aws-1');
    });
    it('passes over a source that cannot export for one that can (GCE and Glance -> EC2)', () => {
      const plan = planTarget(cloud('aws', 2), [copyIn('gcp'), copyIn('openstack')], pc);
      assert.equal(plan.path, 'agent+convert');
      assert.equal(plan.source_cloud, 'openstack-1');
    });
    it("prefers a Glance copy (its cloud's hashes) over an EC2 one for Glance", () => {
      assert.equal(
        planTarget(cloud('openstack', 2), [copyIn('aws'), copyIn('openstack')], pc).source_cloud,
        'openstack-1',
      );
    });
    it('takes a converted copy last, and never converts it again', () => {
      const converted = { ...copyIn('aws'), proof: 'converted' };
      const glanceQcow = copyIn('openstack');
      assert.equal(
        planTarget(cloud('openstack', 2), [converted, glanceQcow], pc).source_cloud,
        'openstack-1',
      );
      const onlyConverted = { ...copyIn('openstack'), proof: 'converted' };
      assert.equal(
        planTarget(cloud('aws', 2), [onlyConverted], pc).refused?.code,
        'gimming.plan.reconversion',
      );
      // Taken as it is where no conversion is needed.
      assert.equal(planTarget(cloud('openstack', 2), [onlyConverted], pc).path, 'agent');
    });
    it('takes staged data only where no copy serves', () => {
      const staged: PlanSource = {
        cloud: null,
        proof: null,
        spec: { disk_format: 'raw', container_format: 'bare' },
      };
      assert.equal(
        planTarget(cloud('openstack', 2), [staged, copyIn('openstack')], pc).source_cloud,
        'openstack-1',
      );
      assert.equal(planTarget(cloud('aws', 2), [copyIn('gcp'), staged], pc).source_cloud, null);
    });
    it('answers the refusal of the best source when none serves', () => {
      const gone: PlanSource = {
        ...copyIn('openstack'),
        unreadable: { code: 'gimming.image.source_changed', message: 'changed' },
      };
      const plan = planTarget(cloud('aws', 2), [copyIn('gcp'), gone], pc);
      assert.equal(plan.refused?.code, 'gimming.image.source_changed');
    });
  });

  describe('agents and capabilities', () => {
    it('refuses a target whose zone has no agent up', () => {
      const down = { ...pc, zonesUp: new Set([...pc.zonesUp].filter((z) => z !== 'aws-zone-2')) };
      const plan = planTarget(cloud('aws', 2), [copyIn('openstack')], down);
      assert.equal(plan.refused?.code, 'gimming.plan.no_agent');
      assert.match(plan.refused?.message ?? '', /No agent of zone aws-zone-2 is up/);
    });
    it('passes over a source whose zone has no agent up', () => {
      const down = { ...pc, zonesUp: new Set([...pc.zonesUp].filter((z) => z !== 'aws-zone-1')) };
      const plan = planTarget(cloud('aws', 2), [copyIn('aws'), copyIn('openstack')], down);
      assert.equal(plan.source_cloud, 'openstack-1');
      assert.equal(planTarget(cloud('aws', 2), [copyIn('aws')], down).refused?.code, 'gimming.plan.no_agent');
    });
    it('refuses a target that cannot import', () => {
      const closed = new Map(byZone);
      closed.set('openstack-zone-2', new Map([['openstack', { ...openstack, can_import: false }]]));
      const plan = planTarget(cloud('openstack', 2), [copyIn('openstack')], { ...pc, byZone: closed });
      assert.equal(plan.refused?.code, 'gimming.plan.cannot_import');
    });
    it('leaves it to the agent where no agent says what its cloud can do (an agent before 1.8)', () => {
      const silent = { ...pc, byZone: new Map() };
      const plan = planTarget(cloud('aws', 2), [copyIn('openstack')], silent);
      assert.equal(plan.path, 'agent');
      assert.equal(plan.conversion, null);
    });
    it('refuses a target with no source at all', () => {
      assert.equal(planTarget(cloud('aws', 2), [], pc).refused?.code, 'gimming.plan.no_source');
    });
    it('knows nothing of the bytes while the size is unknown (an image learned from its first copy)', () => {
      assert.equal(planTarget(cloud('openstack', 2), [copyIn('aws')], { ...pc, size: null }).bytes, null);
      assert.equal(planTarget(cloud('aws', 2), [copyIn('aws')], { ...pc, size: null }).bytes, 0);
    });
  });

  describe('a whole request', () => {
    const plan = planTargets([cloud('openstack', 2), cloud('gcp', 2)], [copyIn('gcp')], pc);
    it('plans each target and names the refused ones', () => {
      assert.equal(plan.targets.length, 2);
      assert.deepEqual(
        refusals(plan).map((t) => t.cloud),
        ['openstack-2', 'gcp-2'],
      );
    });
    it('is refused as a whole with every reason and the plan (409 gimming.plan.refused)', () => {
      assert.throws(
        () => assertPlanned(plan),
        (err: unknown) =>
          err instanceof GimmingError &&
          err.status === 409 &&
          err.code === 'gimming.plan.refused' &&
          /^Nothing was done: Cloud gcp-1 \(gcp\) cannot hand out/.test(err.message) &&
          (err.details?.refused as unknown[]).length === 2 &&
          err.details?.plan === plan,
      );
      assert.doesNotThrow(() => assertPlanned(planTargets([cloud('aws', 2)], [copyIn('aws')], pc)));
    });
    it('records on a task what a copy follows, and nothing for a refused target', () => {
      const ok = planTarget(cloud('aws', 2), [copyIn('openstack')], pc);
      assert.deepEqual(copyPlanOf(ok), {
        source_cloud: 'openstack-1',
        path: 'agent+convert',
        conversion: { from: 'qcow2', to: 'raw' },
        bytes: 1048576,
        reason:
          'Through the agents from cloud openstack-1: the agents of zone aws-zone-2 offer no native copy ' +
          'from openstack clouds into cloud aws-2 (aws). Converted from qcow2 to raw by the agents of zone ' +
          'aws-zone-2: cloud aws-2 takes no qcow2 images.',
      });
      assert.equal(copyPlanOf(plan.targets[0] as never), null);
    });
  });
});
