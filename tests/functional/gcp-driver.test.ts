/**
 * The GCE driver through a real agent process, with the real Google SDKs against the strict GCE and
 * Cloud Storage stand-in (tools/gce-standin): a Glance image copied into GCE (disk.raw in a tar.gz
 * through a resumable upload, images.insert, the proof and the GIMinG ID recorded, the object deleted),
 * a qcow2 image converted to raw on the way, deleted leaving nothing, an insert GCE fails with its
 * message word for word and nothing left, a cancel during the insert leaving nothing, a GCE image
 * refused as the source of a copy with the reason, sharing as IAM bindings with public guarded, and a project cloud's key read from Barbican and in
 * no log.
 *
 * The API has no gcp cloud type yet: the test calls the agents' gRPC service as the conductor does.
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
import { GceStandin, type GceStandinState } from '../support/gce-standin';
import { TESTBED_DIR } from '../support/testbed';
import { http } from '../support/http';
import { useStack } from '../support/stack';

const GIB = 1024 ** 3;

describe('the GCE driver, through an agent, against the GCE and Cloud Storage stand-in', function () {
  this.timeout(300000);
  // GCE takes a raw disk of whole GiB only: the stand-in holds the driver to that.
  const standin = new GceStandin({ insertMs: 3000, requireGibMultiple: true });
  before(async function () {
    this.timeout(60000);
    await standin.start();
  });
  after(async () => {
    await standin.stop();
  });
  const stack = useStack({
    // The project's key names the stand-in's token endpoint, on loopback.
    extraConfig: '[project_clouds]\nallowed_private_networks = 127.0.0.1/32\n',
    agentEnv: () => ({
      'zone-b': {
        OS_AGENT__ENABLED_DRIVERS: 'openstack,gcp',
        OS_AGENT__IMAGE_CONVERSION: 'true',
        OS_GCP__COMPUTE_ENDPOINT: standin.computeUrl,
        OS_GCP__STORAGE_ENDPOINT: standin.storageUrl,
        OS_GCP__OPERATION_POLL_INTERVAL: '100',
        OS_GCP__UPLOAD_CHUNK_MB: '1',
        // A shared cloud: the host's application default credentials, here a service-account key file.
        GOOGLE_APPLICATION_CREDENTIALS: standin.keyFile('operator'),
      },
    }),
  });
  before(() => useAgentCredentials(stack.daemons.configPath));

  const agentA = () => `127.0.0.1:${stack.ports.agents['zone-a']}`;
  const agentB = () => `127.0.0.1:${stack.ports.agents['zone-b']}`;
  const gceCloud = (): CloudRef => ({
    id: 'gce-shared',
    name: 'gce-shared',
    type: 'gcp',
    options: { bucket: standin.bucket('operator'), project: standin.projects.operator.id },
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
  /** The sha512 of the disk GCE was given: the bytes, then zeros to the next GiB. */
  const paddedSha512 = (data: Buffer) => {
    const h = createHash('sha512').update(data);
    const zeros = Buffer.alloc(1024 * 1024);
    let left = Math.ceil(data.length / GIB) * GIB - data.length;
    while (left > 0) {
      const n = Math.min(left, zeros.length);
      h.update(n === zeros.length ? zeros : zeros.subarray(0, n));
      left -= n;
    }
    return h.digest('hex');
  };

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
      name: `gcp-driver-${Date.now()}`,
      disk_format: diskFormat,
      container_format: 'bare',
    });
    made.push(image.id);
    await stack.glance('zone-a').upload(image.id, data);
    return image.id;
  }

  function intoGce(sourceId: string, data: Buffer, gimmingId: string, diskFormat = 'raw'): CopyImageRequest {
    return {
      task_id: randomUUID(),
      target: gceCloud(),
      source: glanceCloud('zone-a'),
      source_agent_address: agentA(),
      source_image_id: sourceId,
      image: {
        name: `GCP driver ${gimmingId.slice(0, 8)}`,
        disk_format: 'raw',
        container_format: 'bare',
        visibility: 'private',
        properties: { gimming_image_id: gimmingId, hw_firmware_type: 'uefi', os_distro: 'Ubuntu 22.04' },
      },
      expect: { size: data.length, digests: digestsOf(data) },
      ...(diskFormat !== 'raw' ? { convert_from: diskFormat } : {}),
    };
  }

  /** What the stand-in holds beyond `before`: images, objects, upload sessions, unfinished operations. */
  async function leftovers(before: GceStandinState): Promise<Record<string, unknown[]>> {
    const now = await standin.state();
    return {
      images: now.images.filter((i) => !before.images.some((b) => b.image.name === i.image.name)),
      objects: now.objects,
      uploads: now.uploads,
      operations: now.operations.filter((o) => o.status !== 'DONE'),
    };
  }
  const nothing = { images: [], objects: [], uploads: [], operations: [] };

  let copied: Image | undefined;
  let data: Buffer;
  let gimmingId: string;

  it('copies a Glance image into GCE: disk.raw padded to the GiB, proof and GIMinG ID recorded, the object deleted', async () => {
    data = randomBytes(5 * 1024 * 1024 + 321);
    gimmingId = randomUUID();
    const sourceId = await glanceImage(data);
    const copy = copyImage(agentB(), intoGce(sourceId, data, gimmingId), stack.demo);
    const done = await copy.result;
    assert.equal(done.done?.proof?.kind, 'agent');
    assert.ok(
      copy.events.some((e) => e.progress?.stage === 'import'),
      'the insert operation progress was reported',
    );
    copied = done.done?.image ?? undefined;
    assert.ok(copied);
    const id = copied.id ?? '';
    assert.match(id, /^gcp-driver-[0-9a-f]{8}-[0-9a-f]{16}$/);
    assert.ok(id.endsWith(gimmingId.replace(/-/g, '').slice(0, 16)), 'named after the GIMinG ID');
    const shown = await call<Image>(
      agentB(),
      'DescribeImage',
      { cloud: gceCloud(), image_id: copied.id },
      stack.demo,
    );
    assert.equal(shown.status, 'active');
    assert.equal(shown.name, `GCP driver ${gimmingId.slice(0, 8)}`);
    assert.equal(Number(shown.size), data.length);
    assert.deepEqual(
      Object.fromEntries((shown.digests ?? []).map((d) => [d.algo, d.value])),
      Object.fromEntries(digestsOf(data).map((d) => [d.algo, d.value])),
    );
    assert.equal(shown.properties?.gimming_image_id, gimmingId);
    assert.equal(shown.properties?.os_distro, 'Ubuntu 22.04');
    assert.equal(shown.properties?.hw_firmware_type, 'uefi');
    const state = await standin.state();
    const image = state.images.find((i) => i.image.name === copied?.id);
    assert.ok(image, 'the image is in the stand-in');
    assert.equal(image.image.labels?.gimming_image_id, gimmingId);
    assert.equal(image.rawDisk?.rawSizeBytes, GIB);
    assert.equal(image.rawDisk?.sha512, paddedSha512(data), 'GCE got the bytes, then zeros');
    assert.deepEqual(state.objects, [], 'the transfer object is deleted');
    assert.deepEqual(state.uploads, []);
    const listed = await call<{ images: Image[] }>(
      agentB(),
      'ListImages',
      { cloud: gceCloud(), filters: { gimming_image_id: gimmingId } },
      stack.demo,
    );
    assert.deepEqual(
      listed.images.map((i) => i.id),
      [copied.id],
    );
  });

  it('refuses a GCE image as the source of a copy, saying why', async () => {
    assert.ok(copied, 'needs the copy of the first test');
    const copy = copyImage(
      agentB(),
      {
        task_id: randomUUID(),
        target: glanceCloud('zone-b'),
        source: gceCloud(),
        source_agent_address: agentB(),
        source_image_id: copied.id,
        image: {
          name: 'out of gce',
          disk_format: 'raw',
          container_format: 'bare',
          visibility: 'private',
          properties: { gimming_image_id: gimmingId },
        },
        expect: { size: data.length, digests: digestsOf(data) },
      },
      stack.demo,
    );
    await assert.rejects(copy.result, (err: unknown) => {
      assert.ok(err instanceof GimmingError, String(err));
      assert.equal(err.code, 'gimming.cloud.export_unsupported');
      assert.match(
        err.message,
        /cannot be the source of a copy: GCE has no API that hands out an image's bytes/,
      );
      return true;
    });
  });

  it('shares through the image IAM binding of roles/compute.imageUser; public is guarded; a rename is refused', async () => {
    assert.ok(copied, 'needs the copy of the first test');
    const ref = { cloud: gceCloud(), image_id: copied.id };
    const member = 'user:alice@example.com';
    const added = await call<{ member_id: string }>(
      agentB(),
      'AddMember',
      { ...ref, member_id: member },
      stack.demo,
    );
    assert.equal(added.member_id, member);
    const policy = (await standin.state()).images.find((i) => i.image.name === copied?.id)?.policy;
    assert.deepEqual(
      policy?.bindings.filter((b) => b.role === 'roles/compute.imageUser').flatMap((b) => b.members),
      [member],
    );
    const listed = await call<{ members: { member_id: string }[] }>(agentB(), 'ListMembers', ref, stack.demo);
    assert.deepEqual(
      listed.members.map((m) => m.member_id),
      [member],
    );
    await assert.rejects(
      call(agentB(), 'AddMember', { ...ref, member_id: 'alice' }, stack.demo),
      (err: unknown) => err instanceof GimmingError && err.code === 'gimming.cloud.bad_member',
    );
    const removed = await call<{ deleted: boolean }>(
      agentB(),
      'RemoveMember',
      { ...ref, member_id: member },
      stack.demo,
    );
    assert.equal(removed.deleted, true);
    const again = await call<{ deleted: boolean }>(
      agentB(),
      'RemoveMember',
      { ...ref, member_id: member },
      stack.demo,
    );
    assert.equal(again.deleted, false);
    await assert.rejects(
      call(agentB(), 'UpdateImage', { ...ref, visibility: 'public' }, stack.demo),
      (err: unknown) =>
        err instanceof GimmingError &&
        err.code === 'gimming.cloud.public_refused' &&
        /allow_public_images/.test(err.message),
    );
    await assert.rejects(
      call(agentB(), 'UpdateImage', { ...ref, name: 'another name' }, stack.demo),
      (err: unknown) => err instanceof GimmingError && err.code === 'gimming.cloud.rename_unsupported',
    );
    const after = (await standin.state()).images.find((i) => i.image.name === copied?.id)?.policy;
    assert.ok(
      !(after?.bindings ?? []).some((b) => b.members.includes('allAuthenticatedUsers')),
      'the image is not public',
    );
  });

  it('deletes an image, leaving nothing; deleting it again answers deleted false; it shows as missing', async () => {
    assert.ok(copied, 'needs the copy of the first test');
    const first = await call<{ deleted: boolean }>(
      agentB(),
      'DeleteImage',
      { cloud: gceCloud(), image_id: copied.id },
      stack.demo,
    );
    assert.equal(first.deleted, true);
    assert.equal((await standin.state()).images.filter((i) => i.image.name === copied?.id).length, 0);
    const again = await call<{ deleted: boolean }>(
      agentB(),
      'DeleteImage',
      { cloud: gceCloud(), image_id: copied.id },
      stack.demo,
    );
    assert.equal(again.deleted, false);
    await assert.rejects(
      call(agentB(), 'DescribeImage', { cloud: gceCloud(), image_id: copied.id }, stack.demo),
      (err: unknown) => err instanceof GimmingError && err.code === 'gimming.remote_image.not_found',
    );
  });

  it('converts a qcow2 image to raw on the way in, the raw proven and its size announced', async () => {
    const before = await standin.state();
    const dir = mkdtempSync(join(tmpdir(), 'gcp-qcow2-'));
    const raw = join(dir, 'disk.raw');
    execFileSync('qemu-img', ['create', '-q', '-f', 'raw', raw, '3M']);
    execFileSync('sh', ['-c', `printf 'GIMINGGCE' | dd of=${raw} bs=1 seek=4096 conv=notrunc status=none`]);
    execFileSync('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'qcow2', raw, join(dir, 'disk.qcow2')]);
    const bytes = readFileSync(join(dir, 'disk.qcow2'));
    const sourceId = await glanceImage(bytes, 'qcow2');
    const done = await copyImage(agentB(), intoGce(sourceId, bytes, randomUUID(), 'qcow2'), stack.demo)
      .result;
    const id = done.done?.image?.id ?? '';
    const image = (await standin.state()).images.find((i) => i.image.name === id);
    assert.ok(image, 'the image is in the stand-in');
    assert.equal(image.rawDisk?.sha512, paddedSha512(readFileSync(raw)), 'GCE got the converted raw disk');
    await call(agentB(), 'DeleteImage', { cloud: gceCloud(), image_id: id }, stack.demo);
    assert.deepEqual(await leftovers(before), nothing);
  });

  it("an insert GCE fails reaches the user with GCE's message word for word, and leaves nothing", async () => {
    const before = await standin.state();
    const bytes = randomBytes(1024 * 1024 + 3);
    const sourceId = await glanceImage(bytes);
    await standin.failOperation(
      'compute.images.insert',
      'The image file is not a valid tar.gz archive: stand-in fault 7.',
      'INVALID_IMAGE_FILE',
    );
    const copy = copyImage(agentB(), intoGce(sourceId, bytes, randomUUID()), stack.demo);
    await assert.rejects(copy.result, (err: unknown) => {
      assert.ok(err instanceof GimmingError, String(err));
      assert.equal(err.code, 'gimming.cloud.import_refused');
      assert.match(err.message, /\): The image file is not a valid tar\.gz archive: stand-in fault 7\.$/);
      return true;
    });
    assert.deepEqual(await leftovers(before), nothing);
  });

  it('a cancel during the insert leaves nothing: no image, no object, no upload', async () => {
    const before = await standin.state();
    const bytes = randomBytes(2 * 1024 * 1024);
    const sourceId = await glanceImage(bytes);
    const copy = copyImage(agentB(), intoGce(sourceId, bytes, randomUUID()), stack.demo);
    await copy.until((e) => e.progress?.stage === 'import');
    copy.cancel();
    await assert.rejects(copy.result);
    // The agent waits the insert out (GCE cannot cancel one) and deletes its image.
    const deadline = Date.now() + 60000;
    let left = await leftovers(before);
    while (JSON.stringify(left) !== JSON.stringify(nothing) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      left = await leftovers(before);
    }
    assert.deepEqual(left, nothing);
  });

  it("a project cloud's service-account key comes from its Barbican secret and appears in no log", async () => {
    const { barbican_url } = JSON.parse(readFileSync(join(TESTBED_DIR, 'testbed.json'), 'utf8')) as {
      barbican_url: string;
    };
    const key = standin.key('project');
    const stored = await http('POST', `${barbican_url}/v1/secrets`, {
      token: stack.admin.id,
      json: {
        name: 'gimming-test-gcp-key',
        payload: JSON.stringify(key),
        payload_content_type: 'text/plain',
      },
    });
    assert.equal(stored.status, 201, stored.text);
    const project: CloudRef = {
      id: 'gce-project',
      name: 'gce-project',
      type: 'gcp',
      credentials_ref: stored.body.secret_ref,
      options: { bucket: standin.bucket('project') },
    };
    try {
      const bytes = randomBytes(1024 * 1024 + 7);
      const sourceId = await glanceImage(bytes);
      const done = await copyImage(
        agentB(),
        { ...intoGce(sourceId, bytes, randomUUID()), target: project },
        stack.admin,
      ).result;
      const id = done.done?.image?.id ?? '';
      const state = await standin.state(standin.projects.project.id);
      assert.ok(
        state.images.some((i) => i.image.name === id && i.project === standin.projects.project.id),
        'made in the project, with its key',
      );
      assert.equal(
        (
          await call<{ deleted: boolean }>(
            agentB(),
            'DeleteImage',
            { cloud: project, image_id: id },
            stack.admin,
          )
        ).deleted,
        true,
      );
      const log = readFileSync(stack.daemons.logPath('agent-zone-b'), 'utf8');
      const body = key.private_key.split('\n')[1] ?? 'unlikely';
      assert.ok(!log.includes(body), 'the private key is in the agent log');
    } finally {
      await http('DELETE', stored.body.secret_ref, { token: stack.admin.id });
    }
  });
});
