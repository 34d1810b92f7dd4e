/**
 * The EC2 driver through a real agent process, with the real AWS SDK against the strict EC2 and S3
 * stand-in (tools/aws-standin): a Glance image copied into EC2 (S3 multipart, ImportSnapshot,
 * RegisterImage, tags and the agent's proof), read back out of EC2 into another Glance zone (ExportImage),
 * copied between two EC2 regions (CopyImage), deleted leaving nothing, cancelled during the import
 * leaving nothing, and an import EC2 refuses failing with EC2's reason word for word.
 *
 * The API has no aws cloud type yet: the test calls the agents' gRPC service as the conductor does.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudRef } from '../../src/common/grpc/generated/gimming/agent/v2/CloudRef';
import type { CopyImageRequest } from '../../src/common/grpc/generated/gimming/agent/v2/CopyImageRequest';
import type { Image } from '../../src/common/grpc/generated/gimming/agent/v2/Image';
import { GimmingError } from '../../src/common/errors';
import { call, copyImage, useAgentCredentials } from '../support/agent-grpc';
import { AwsStandin, type StandinState } from '../support/aws-standin';
import { TESTBED_DIR } from '../support/testbed';
import { http, waitFor } from '../support/http';
import { useStack } from '../support/stack';

const EAST = 'us-east-1';
const WEST = 'eu-west-1';

describe('the EC2 driver, through an agent, against the EC2 and S3 stand-in', function () {
  this.timeout(180000);
  // Import tasks take a few seconds, as EC2's do (minutes there): long enough to cancel one.
  const standin = new AwsStandin({ minDurationMs: 4000, tickMs: 100 });
  before(async function () {
    this.timeout(60000);
    await standin.start();
  });
  after(async () => {
    await standin.stop();
  });
  const stack = useStack({
    agentEnv: () => ({ 'zone-b': standin.agentEnv() }),
  });
  before(() => useAgentCredentials(stack.daemons.configPath));

  const agentA = () => `127.0.0.1:${stack.ports.agents['zone-a']}`;
  const agentB = () => `127.0.0.1:${stack.ports.agents['zone-b']}`;
  const ec2Cloud = (region: string): CloudRef => ({
    id: `ec2-${region}`,
    name: `ec2-${region}`,
    type: 'aws',
    region_name: region,
    options: { bucket: standin.bucket('operator', region) },
  });
  const glanceCloud = (zone: 'zone-a' | 'zone-b'): CloudRef => ({
    id: zone,
    name: zone,
    type: 'openstack',
    region_name: zone === 'zone-a' ? 'RegionOne' : 'RegionTwo',
  });
  const digestsOf = (data: Buffer) => [
    { algo: 'sha512', value: createHash('sha512').update(data).digest('hex') },
    { algo: 'md5', value: createHash('md5').update(data).digest('hex') },
  ];

  /** A Glance image in zone-a with `data`, deleted after the test. */
  const made: string[] = [];
  afterEach(async () => {
    for (const id of made.splice(0))
      await stack
        .glance('zone-a')
        .delete(id)
        .catch(() => undefined);
  });
  async function glanceImage(data: Buffer, diskFormat = 'raw'): Promise<string> {
    const image = await stack.glance('zone-a').create({
      name: `aws-driver-${Date.now()}`,
      disk_format: diskFormat,
      container_format: 'bare',
    });
    made.push(image.id);
    await stack.glance('zone-a').upload(image.id, data);
    return image.id;
  }

  function intoEc2(sourceId: string, data: Buffer, gimmingId: string, diskFormat = 'raw'): CopyImageRequest {
    return {
      task_id: randomUUID(),
      target: ec2Cloud(EAST),
      source: glanceCloud('zone-a'),
      source_agent_address: agentA(),
      source_image_id: sourceId,
      image: {
        name: `aws driver ${gimmingId.slice(0, 8)}`,
        disk_format: diskFormat,
        container_format: 'bare',
        visibility: 'private',
        properties: { gimming_image_id: gimmingId, hw_architecture: 'x86_64', hw_firmware_type: 'uefi' },
      },
      expect: { size: data.length, digests: digestsOf(data) },
    };
  }

  /** What the stand-in holds in the operator's account in a region, beyond `before`. */
  async function leftovers(region: string, before: StandinState): Promise<Record<string, unknown[]>> {
    const now = await standin.state(region);
    const isNew = <T extends { id: string }>(list: T[], old: T[]) =>
      list.filter((x) => !old.some((o) => o.id === x.id));
    return {
      images: isNew(now.images, before.images).filter((i) => i.state !== 'deregistered'),
      snapshots: isNew(now.snapshots, before.snapshots).filter((s) => s.state !== 'deleted'),
      importTasks: now.importTasks.filter((t) => t.status === 'active'),
      exportTasks: now.exportTasks.filter((t) => t.status === 'active'),
      objects: now.objects,
      multipartUploads: now.multipartUploads,
    };
  }
  const nothing = {
    images: [],
    snapshots: [],
    importTasks: [],
    exportTasks: [],
    objects: [],
    multipartUploads: [],
  };

  let east: Image | undefined;
  let data: Buffer;
  let gimmingId: string;

  it('copies a Glance image into EC2: proven by the agent, tagged, its proof read back, nothing left in S3', async () => {
    data = randomBytes(7 * 1024 * 1024 + 123);
    gimmingId = randomUUID();
    const sourceId = await glanceImage(data);
    const copy = copyImage(agentB(), intoEc2(sourceId, data, gimmingId), stack.demo);
    const done = await copy.result;
    assert.equal(done.done?.proof?.kind, 'agent');
    const created = copy.events.filter((e) => e.created).map((e) => e.created?.image_id);
    assert.match(created.at(-1) ?? '', /^ami-[0-9a-f]+$/, JSON.stringify(created));
    assert.ok(
      copy.events.some((e) => e.progress?.stage === 'import'),
      'the import task progress was reported',
    );
    east = done.done?.image ?? undefined;
    assert.ok(east);
    assert.equal(east.id, created.at(-1));
    const shown = await call<Image>(
      agentB(),
      'DescribeImage',
      { cloud: ec2Cloud(EAST), image_id: east.id },
      stack.demo,
    );
    assert.equal(shown.status, 'active');
    assert.equal(Number(shown.size), data.length);
    assert.deepEqual(
      Object.fromEntries((shown.digests ?? []).map((d) => [d.algo, d.value])),
      Object.fromEntries(digestsOf(data).map((d) => [d.algo, d.value])),
    );
    assert.equal(shown.properties?.gimming_image_id, gimmingId);
    assert.equal(shown.properties?.hw_firmware_type, 'uefi');
    const state = await standin.state(EAST);
    const ami = state.images.find((i) => i.id === east?.id);
    assert.ok(ami, 'the AMI is in the stand-in');
    assert.equal(ami.tags.gimming_image_id, gimmingId);
    assert.match(ami.tags.gimming_proof ?? '', /^v1 size=\d+ sha512=[0-9a-f]{128} md5=[0-9a-f]{32}$/);
    assert.deepEqual(state.objects, [], 'the import object is deleted');
    assert.deepEqual(state.multipartUploads, []);
    // Listed by its GIMinG tag.
    const listed = await call<{ images: Image[] }>(
      agentB(),
      'ListImages',
      { cloud: ec2Cloud(EAST), filters: { gimming_image_id: gimmingId } },
      stack.demo,
    );
    assert.deepEqual(
      listed.images.map((i) => i.id),
      [east.id],
    );
  });

  it('reads an AMI out of EC2 into another Glance zone (ExportImage), deleting the exported object', async () => {
    assert.ok(east, 'needs the copy of the first test');
    const copy = copyImage(
      agentB(),
      {
        task_id: randomUUID(),
        target: glanceCloud('zone-b'),
        source: ec2Cloud(EAST),
        source_agent_address: agentB(),
        source_image_id: east.id,
        image: {
          name: `from ec2 ${gimmingId.slice(0, 8)}`,
          disk_format: 'raw',
          container_format: 'bare',
          visibility: 'private',
          properties: { gimming_image_id: gimmingId },
        },
        expect: { size: data.length, digests: digestsOf(data) },
      },
      stack.demo,
    );
    const done = await copy.result;
    const inZoneB = done.done?.image?.id ?? '';
    try {
      assert.equal(done.done?.proof?.kind, 'cloud');
      const glance = await stack.glance('zone-b').get(inZoneB);
      assert.equal(glance.os_hash_value, digestsOf(data)[0]?.value);
      await waitFor(
        'the exported object to be deleted',
        async () => ((await standin.state(EAST)).objects.length === 0 ? true : undefined),
        20000,
      );
    } finally {
      await stack
        .glance('zone-b')
        .delete(inZoneB)
        .catch(() => undefined);
    }
  });

  it('copies between two EC2 regions with CopyImage: tags and proof carried, proof provenance', async () => {
    assert.ok(east, 'needs the copy of the first test');
    const before = await standin.state(WEST);
    const copy = copyImage(
      agentB(),
      {
        task_id: randomUUID(),
        target: ec2Cloud(WEST),
        source: ec2Cloud(EAST),
        source_agent_address: agentB(),
        source_image_id: east.id,
        image: {
          name: `west ${gimmingId.slice(0, 8)}`,
          disk_format: 'raw',
          container_format: 'bare',
          visibility: 'private',
          properties: { gimming_image_id: gimmingId },
        },
        expect: { size: data.length, digests: digestsOf(data) },
      },
      stack.demo,
    );
    const done = await copy.result;
    assert.equal(done.done?.proof?.kind, 'provenance');
    const west = done.done?.image;
    assert.ok(west);
    assert.notEqual(west.id, east.id);
    const shown = await call<Image>(
      agentB(),
      'DescribeImage',
      { cloud: ec2Cloud(WEST), image_id: west.id },
      stack.demo,
    );
    assert.equal(shown.properties?.gimming_image_id, gimmingId);
    assert.equal(shown.properties?.hw_firmware_type, 'uefi');
    assert.equal(shown.digests?.find((d) => d.algo === 'sha512')?.value, digestsOf(data)[0]?.value);
    // Deleting it leaves nothing in the region.
    const deleted = await call<{ deleted: boolean }>(
      agentB(),
      'DeleteImage',
      { cloud: ec2Cloud(WEST), image_id: west.id },
      stack.demo,
    );
    assert.equal(deleted.deleted, true);
    assert.deepEqual(await leftovers(WEST, before), nothing);
  });

  it('deletes an AMI with its snapshots; deleting it again succeeds with deleted false', async () => {
    assert.ok(east, 'needs the copy of the first test');
    const state = await standin.state(EAST);
    const snapshotsBefore = state.snapshots.filter((s) => s.state !== 'deleted').length;
    const first = await call<{ deleted: boolean }>(
      agentB(),
      'DeleteImage',
      { cloud: ec2Cloud(EAST), image_id: east.id },
      stack.demo,
    );
    assert.equal(first.deleted, true);
    const after = await standin.state(EAST);
    assert.equal(after.images.filter((i) => i.id === east?.id && i.state !== 'deregistered').length, 0);
    assert.equal(
      after.snapshots.filter((s) => s.state !== 'deleted').length,
      snapshotsBefore - 1,
      'its snapshot is deleted',
    );
    const again = await call<{ deleted: boolean }>(
      agentB(),
      'DeleteImage',
      { cloud: ec2Cloud(EAST), image_id: east.id },
      stack.demo,
    );
    assert.equal(again.deleted, false);
    await assert.rejects(
      call(agentB(), 'DescribeImage', { cloud: ec2Cloud(EAST), image_id: east.id }, stack.demo),
      (err: unknown) => err instanceof GimmingError && err.code === 'gimming.remote_image.not_found',
    );
  });

  it('a cancel during the import reaches EC2 (CancelImportTask) and leaves nothing', async () => {
    const before = await standin.state(EAST);
    const bytes = randomBytes(6 * 1024 * 1024);
    const sourceId = await glanceImage(bytes);
    const copy = copyImage(agentB(), intoEc2(sourceId, bytes, randomUUID()), stack.demo);
    await copy.until((e) => e.progress?.stage === 'import');
    copy.cancel();
    await assert.rejects(copy.result);
    const left = await waitFor(
      'the cancelled import to be cleaned up',
      async () => {
        const l = await leftovers(EAST, before);
        return JSON.stringify(l) === JSON.stringify(nothing) ? l : undefined;
      },
      60000,
    ).catch(async () => leftovers(EAST, before));
    assert.deepEqual(left, nothing);
    const tasks = (await standin.state(EAST)).importTasks.filter(
      (t) => !before.importTasks.some((b) => b.id === t.id),
    );
    assert.ok(tasks.length > 0 && tasks.every((t) => t.status === 'deleted'), JSON.stringify(tasks));
  });

  it('an import EC2 refuses fails with its reason word for word, and leaves nothing', async () => {
    const before = await standin.state(EAST);
    // A qcow2 disk said to be vmdk: EC2 looks at the bytes, not at the claim.
    const dir = mkdtempSync(join(tmpdir(), 'aws-refused-'));
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', join(dir, 'disk.qcow2'), '64M']);
    const bytes = readFileSync(join(dir, 'disk.qcow2'));
    const sourceId = await glanceImage(bytes, 'vmdk');
    const copy = copyImage(agentB(), intoEc2(sourceId, bytes, randomUUID(), 'vmdk'), stack.demo);
    await assert.rejects(copy.result, (err: unknown) => {
      assert.ok(err instanceof GimmingError, String(err));
      assert.equal(err.code, 'gimming.cloud.import_refused');
      assert.match(err.message, /: ClientError: Disk validation failed \[[^\]]+\]$/);
      return true;
    });
    assert.deepEqual(await leftovers(EAST, before), nothing);
  });
  it("a project cloud's keys come from its Barbican secret, read with the caller's token, and appear in no log", async () => {
    const { barbican_url } = JSON.parse(readFileSync(join(TESTBED_DIR, 'testbed.json'), 'utf8')) as {
      barbican_url: string;
    };
    const keys = standin.accounts.project;
    const stored = await http('POST', `${barbican_url}/v1/secrets`, {
      token: stack.admin.id,
      json: {
        name: 'gimming-test-aws-keys',
        payload: JSON.stringify({ access_key_id: keys.accessKeyId, secret_access_key: keys.secretAccessKey }),
        payload_content_type: 'text/plain',
      },
    });
    assert.equal(stored.status, 201, stored.text);
    const project: CloudRef = {
      id: 'ec2-project',
      name: 'ec2-project',
      type: 'aws',
      region_name: EAST,
      credentials_ref: stored.body.secret_ref,
      options: { bucket: standin.bucket('project', EAST) },
    };
    try {
      const bytes = randomBytes(1024 * 1024 + 7);
      const sourceId = await glanceImage(bytes);
      const done = await copyImage(
        agentB(),
        { ...intoEc2(sourceId, bytes, randomUUID()), target: project },
        stack.admin,
      ).result;
      const amiId = done.done?.image?.id ?? '';
      const ami = (await standin.state(EAST)).images.find((i) => i.id === amiId);
      assert.equal(ami?.account, keys.accountId, 'made in the project account, with its keys');
      // The secret is admin's project's (made by admin, whom Barbican lets store secrets): with another
      // project's token (demo's) it cannot be read, and the cloud cannot be reached.
      await assert.rejects(call(agentB(), 'DescribeImage', { cloud: project, image_id: amiId }, stack.demo));
      assert.equal(
        (
          await call<{ deleted: boolean }>(
            agentB(),
            'DeleteImage',
            { cloud: project, image_id: amiId },
            stack.admin,
          )
        ).deleted,
        true,
      );
      const log = readFileSync(stack.daemons.logPath('agent-zone-b'), 'utf8');
      assert.ok(
        !log.includes(keys.secretAccessKey) && !log.includes(keys.accessKeyId),
        'a key is in the agent log',
      );
    } finally {
      await http('DELETE', stored.body.secret_ref, { token: stack.admin.id });
    }
  });
});
