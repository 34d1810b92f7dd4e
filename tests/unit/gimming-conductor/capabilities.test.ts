/**
 * A copy planned with what the two kinds of cloud can do, as their agents' drivers say.
 */
import assert from 'node:assert/strict';
import Ajv from 'ajv';
import { type Capabilities, copyProblems, parseDrivers } from '../../../src/gimming-conductor/capabilities';
import { METHODS } from '../../../src/gimming-conductor/rpc-schemas';

const glance: Capabilities = {
  can_export: true,
  can_import: true,
  disk_formats: ['raw', 'qcow2'],
  container_formats: ['bare'],
  reported_hashes: ['md5', 'sha512'],
  native_copy: [],
  sharing: 'members',
  visibilities: ['private', 'shared', 'community', 'public'],
};
const qcow2 = { disk_format: 'qcow2', container_format: 'bare' };

describe('planning a copy with the clouds capabilities', () => {
  it('lets a copy through when both sides can do it, or when nothing is known of a side', () => {
    assert.deepEqual(copyProblems(glance, glance, qcow2), []);
    assert.deepEqual(copyProblems(null, undefined, qcow2), []);
  });

  it('names each thing a side cannot do', () => {
    const problems = copyProblems(
      { ...glance, can_export: false },
      { ...glance, can_import: false, disk_formats: ['raw'], container_formats: ['ova'] },
      qcow2,
    );
    assert.deepEqual(problems, [
      'its source cloud cannot export image data',
      'the target cloud cannot import image data',
      'the target cloud takes no qcow2 images (raw), and its agents convert none',
      'the target cloud takes no bare containers',
    ]);
  });

  it('reads the drivers an agent recorded, and takes nothing from a record it cannot read', () => {
    assert.deepEqual(parseDrivers(JSON.stringify([{ name: 'openstack', capabilities: glance }])), [
      { name: 'openstack', capabilities: glance },
    ]);
    assert.deepEqual(parseDrivers('{not json'), []);
    assert.deepEqual(parseDrivers(JSON.stringify([{ name: 'x' }, 3])), []);
    assert.deepEqual(parseDrivers(null), []);
  });
});

describe('capabilities in the heartbeat contract (agent_heartbeat)', () => {
  const validate = new Ajv({ allErrors: false, strict: false }).compile(METHODS.agent_heartbeat);
  const heartbeat = (capabilities: Record<string, unknown>) => ({
    host: 'agent-1',
    zone: 'zone-b',
    address: '127.0.0.1:9596',
    version: '0.1.0',
    drivers: [{ name: 'aws', capabilities }],
  });
  const ec2 = {
    ...glance,
    disk_formats: ['raw', 'vmdk', 'vhd'],
    reported_hashes: [],
    visibilities: ['private', 'public'],
    reserved_property_prefixes: ['aws:'],
    convertible_formats: ['qcow2'],
    owners_are_projects: false,
    fixed_names: true,
    records_proof: true,
  } satisfies Capabilities;

  it('takes what an EC2 agent says of its clouds, and what an older agent says without them', () => {
    assert.ok(validate(heartbeat(ec2)), JSON.stringify(validate.errors));
    assert.ok(validate(heartbeat(glance)), JSON.stringify(validate.errors));
  });

  for (const [field, wrong] of [
    ['owners_are_projects', 'no'],
    ['fixed_names', 1],
    ['records_proof', 'true'],
    ['convertible_formats', 'qcow2'],
  ] as const) {
    it(`refuses a heartbeat whose ${field} is not what the contract says`, () => {
      assert.equal(validate(heartbeat({ ...ec2, [field]: wrong })), false);
      assert.match(validate.errors?.[0]?.instancePath ?? '', new RegExp(`/capabilities/${field}$`));
    });
  }
});
