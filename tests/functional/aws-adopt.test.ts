/**
 * Adopting an AMI GIMinG never saw, through the real daemons: a user's own AMI, made with the AWS SDK
 * against the strict EC2 and S3 stand-in (an object uploaded to the bucket, ImportSnapshot, RegisterImage,
 * no GIMinG tag), browsed, adopted and synced into Glance zones. EC2 reports no hash of an image: the
 * image's identity is learned from its first copy (ExportImage, streamed, the object deleted), recorded on
 * the AMI, and every later check and copy is held to it.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { AwsStandin } from '../support/aws-standin';
import { amiTags, nativeAmi, removeAmi, setAmiTag } from '../support/aws-standin-calls';
import { http, waitFor } from '../support/http';
import { useStack } from '../support/stack';

const EAST = 'us-east-1';
const hex = (algo: string, data: Buffer) => createHash(algo).update(data).digest('hex');

describe('adopting a native AMI, its identity learned from its first copy', function () {
  this.timeout(300000);
  const standin = new AwsStandin({ minDurationMs: 1000, tickMs: 100 });
  before(async function () {
    this.timeout(60000);
    await standin.start();
  });
  after(async () => {
    await standin.stop();
  });
  const stack = useStack({
    extraConfig: '[conductor]\nremote_cache_time = 0\nrefresh_interval = 0\n',
    agentEnv: () => ({ 'zone-b': standin.agentEnv() }),
  });
  const glanceMade: Array<{ zone: string; id: string }> = [];
  after(async () => {
    for (const { zone, id } of glanceMade) {
      await stack
        .glance(zone, stack.admin)
        .delete(id)
        .catch(() => undefined);
    }
  });

  const api = (method: string, path: string, json?: unknown) =>
    http(method, `${stack.api}${path}`, { token: stack.admin.id, ...(json === undefined ? {} : { json }) });
  const taskOf = (id: string, cloud: string) =>
    waitFor(
      `the copy to ${cloud} to end`,
      async () => {
        const res = await api('GET', `/v1/tasks?image_id=${id}`);
        const t = res.body?.tasks?.find((x: any) => x.cloud === cloud && x.type === 'copy');
        return t && ['succeeded', 'failed', 'cancelled'].includes(t.status) ? t : undefined;
      },
      120000,
    );
  const locationIn = (image: any, cloud: string) => image.locations.find((l: any) => l.cloud === cloud);

  it('adopts a user’s own AMI, learns its identity from the export, syncs it to two zones and keeps the AMI at deletion', async () => {
    const registered = await api('POST', '/v1/clouds', {
      name: 'ec2-east',
      type: 'aws',
      region_name: EAST,
      zone: 'zone-b',
      bucket: standin.bucket('operator', EAST),
    });
    assert.equal(registered.status, 201, registered.text);
    const capabilities = await waitFor(
      'the aws cloud to show its capabilities',
      async () => (await api('GET', '/v1/clouds/ec2-east')).body?.capabilities ?? undefined,
      60000,
    );
    assert.deepEqual(capabilities.reported_hashes, []);

    // The user's AMI, made as the AWS CLI would: the disk uploaded and imported, the object removed, the
    // snapshot registered. Nothing of GIMinG on it.
    const data = randomBytes(5 * 1024 * 1024 + 123);
    const sha512 = hex('sha512', data);
    const md5 = hex('md5', data);
    const { amiId, snapshotId } = await nativeAmi(standin, EAST, data);
    const tagsOf = () => amiTags(standin, EAST, amiId);
    assert.deepEqual(await tagsOf(), {}, 'a native AMI: no tag at all');

    // Browsed: the AMI is the account's own, and untracked.
    const browsed = await api('GET', '/v1/clouds/ec2-east/images');
    assert.equal(browsed.status, 200, browsed.text);
    const listed = browsed.body.images.find((i: any) => i.id === amiId);
    assert.ok(listed, browsed.text);
    assert.equal(listed.tracked_by, null);
    assert.equal(listed.owner, standin.accounts.operator.accountId);
    assert.equal(listed.status, 'active');

    // An AMI that does not exist: 404, as OpenStack says it.
    const missing = await api('POST', '/v1/images', {
      source: { cloud: 'ec2-east', image_id: 'ami-0123456789abcdef0' },
      targets: ['zone-b'],
    });
    assert.equal(missing.status, 404, missing.text);
    assert.equal(missing.body.error.status, 404);
    assert.equal(missing.body.error.code, 'gimming.remote_image.not_found', missing.text);
    assert.match(missing.body.error.message, /ami-0123456789abcdef0/);

    const adopted = await api('POST', '/v1/images', {
      name: 'users-own',
      source: { cloud: 'ec2-east', image_id: amiId },
      targets: ['zone-b'],
    });
    assert.equal(adopted.status, 202, adopted.text);
    const id = adopted.body.id as string;
    // Nothing is known of its bytes yet: not even the size (the AMI's volume size is not the image's).
    assert.equal(adopted.body.size, null, adopted.text);
    assert.equal(adopted.body.os_hash_value ?? null, null, adopted.text);
    assert.equal(locationIn(adopted.body, 'ec2-east').proof, 'unproven', adopted.text);

    // While it is learned, or after: the source is not broken.
    const early = await api('POST', `/v1/images/${id}/refresh`);
    assert.equal(early.status, 200, early.text);
    assert.equal(locationIn(early.body, 'ec2-east').status, 'active', early.text);

    const first = await taskOf(id, 'zone-b');
    assert.equal(first.status, 'succeeded', JSON.stringify(first));
    const image = (await api('GET', `/v1/images/${id}`)).body;
    assert.equal(image.size, data.length, JSON.stringify(image));
    assert.equal(image.os_hash_algo, 'sha512');
    assert.equal(image.os_hash_value, sha512);
    assert.equal(image.checksum, md5);
    const source = locationIn(image, 'ec2-east');
    assert.equal(source.status, 'active', JSON.stringify(source));
    assert.equal(source.proof, 'agent', 'its identity was read out of it by an agent');
    const inB = locationIn(image, 'zone-b');
    assert.equal(inB.status, 'active', JSON.stringify(inB));
    glanceMade.push({ zone: 'zone-b', id: inB.image_id });
    const glanceB = await stack.glance('zone-b', stack.admin).get(inB.image_id);
    assert.equal(glanceB.os_hash_value, sha512, 'the bytes the user imported');
    assert.equal(glanceB.size, data.length);

    // The export is over and left nothing in S3; the AMI now carries the proof of its bytes.
    const state = await standin.state(EAST);
    assert.deepEqual(
      state.exportTasks.filter((t) => t.status === 'active'),
      [],
    );
    assert.deepEqual(state.objects, []);
    assert.deepEqual(state.multipartUploads, []);
    const tags = await tagsOf();
    assert.equal(tags.gimming_image_id, id);
    const proofTag = tags.gimming_proof ?? '';
    assert.match(proofTag, new RegExp(`size=${data.length}\\b`));
    assert.ok(proofTag.includes(`sha512=${sha512}`), proofTag);

    // The AMI is held to the learned identity: a proof that says other bytes is a mismatch; the true one
    // makes it active again.
    const forged = proofTag.replace(sha512, 'f'.repeat(128));
    await setAmiTag(standin, EAST, amiId, 'gimming_proof', forged);
    const drifted = await api('POST', `/v1/images/${id}/refresh`);
    assert.equal(locationIn(drifted.body, 'ec2-east').status, 'mismatch', drifted.text);
    await setAmiTag(standin, EAST, amiId, 'gimming_proof', proofTag);
    const mended = await api('POST', `/v1/images/${id}/refresh`);
    assert.equal(locationIn(mended.body, 'ec2-east').status, 'active', mended.text);
    assert.equal(locationIn(mended.body, 'zone-b').status, 'active', mended.text);

    // A second sync is a plain copy, checked against the learned identity.
    const synced = await api('POST', `/v1/images/${id}/sync`, { targets: ['zone-a'] });
    assert.equal(synced.status, 202, synced.text);
    const second = await taskOf(id, 'zone-a');
    assert.equal(second.status, 'succeeded', JSON.stringify(second));
    const after = (await api('GET', `/v1/images/${id}`)).body;
    const inA = locationIn(after, 'zone-a');
    assert.equal(inA.status, 'active', JSON.stringify(inA));
    glanceMade.push({ zone: 'zone-a', id: inA.image_id });
    assert.equal((await stack.glance('zone-a', stack.admin).get(inA.image_id)).os_hash_value, sha512);
    assert.equal(after.os_hash_value, sha512, 'the identity stays the learned one');

    // Deleted everywhere but the AMI: delete_remote would delete an adopted source too (GIMinG tagged
    // it), so the source is unlinked first and stays in EC2, untagged but for its proof.
    const unlinked = await api('DELETE', `/v1/images/${id}/locations/ec2-east?delete_remote=false`);
    assert.equal(unlinked.status, 204, unlinked.text);
    const deleting = await api('DELETE', `/v1/images/${id}?delete_remote=true`);
    assert.equal(deleting.status, 202, deleting.text);
    await waitFor(
      'the image to be deleted everywhere',
      async () => ((await api('GET', `/v1/images/${id}`)).status === 404 ? true : undefined),
      120000,
    );
    for (const zone of ['zone-a', 'zone-b']) {
      const left = await stack.glance(zone, stack.admin).list({ gimming_image_id: id });
      assert.deepEqual(
        left.map((i: any) => i.id),
        [],
        `nothing left in ${zone}`,
      );
    }
    glanceMade.length = 0;
    const ami = (await standin.state(EAST)).images.find((i) => i.id === amiId);
    assert.equal(ami?.state, 'available', 'the user’s AMI is kept');
    const kept = await tagsOf();
    assert.equal(kept.gimming_image_id, undefined);
    assert.equal(kept.gimming_proof, proofTag);

    // Adopted again, it is proven at once by the proof its first export left.
    const again = await api('POST', '/v1/images', {
      source: { cloud: 'ec2-east', image_id: amiId },
      targets: [],
    });
    assert.equal(again.status, 202, again.text);
    assert.equal(again.body.size, data.length, again.text);
    assert.equal(again.body.os_hash_value, sha512, again.text);
    assert.equal(locationIn(again.body, 'ec2-east').proof, 'cloud', again.text);
    const forgotten = await api('DELETE', `/v1/images/${again.body.id as string}`);
    assert.equal(forgotten.status, 204, forgotten.text);

    await removeAmi(standin, EAST, amiId, snapshotId);
  });
  it('learns the identity once when two first copies run at once, and holds the later one to it', async () => {
    // Needs the cloud the first test registered.
    const data = randomBytes(3 * 1024 * 1024 + 7);
    const sha512 = hex('sha512', data);
    const { amiId, snapshotId } = await nativeAmi(standin, EAST, data);
    const adopted = await api('POST', '/v1/images', {
      name: 'users-own-twice',
      source: { cloud: 'ec2-east', image_id: amiId },
      targets: ['zone-b', 'zone-a'],
    });
    assert.equal(adopted.status, 202, adopted.text);
    const id = adopted.body.id as string;
    const [inB, inA] = await Promise.all([taskOf(id, 'zone-b'), taskOf(id, 'zone-a')]);
    assert.equal(inB.status, 'succeeded', JSON.stringify(inB));
    assert.equal(inA.status, 'succeeded', JSON.stringify(inA));
    const image = (await api('GET', `/v1/images/${id}`)).body;
    assert.equal(image.size, data.length);
    assert.equal(image.os_hash_value, sha512);
    for (const zone of ['zone-a', 'zone-b']) {
      const copy = locationIn(image, zone);
      assert.equal(copy.status, 'active', JSON.stringify(copy));
      glanceMade.push({ zone, id: copy.image_id });
      assert.equal((await stack.glance(zone, stack.admin).get(copy.image_id)).os_hash_value, sha512);
    }
    const state = await standin.state(EAST);
    assert.deepEqual(
      state.exportTasks.filter((t) => t.status === 'active'),
      [],
    );
    assert.deepEqual(state.objects, []);

    assert.equal(
      (await api('DELETE', `/v1/images/${id}/locations/ec2-east?delete_remote=false`)).status,
      204,
    );
    assert.equal((await api('DELETE', `/v1/images/${id}?delete_remote=true`)).status, 202);
    await waitFor(
      'the image to be deleted everywhere',
      async () => ((await api('GET', `/v1/images/${id}`)).status === 404 ? true : undefined),
      120000,
    );
    for (const zone of ['zone-a', 'zone-b']) {
      assert.deepEqual(await stack.glance(zone, stack.admin).list({ gimming_image_id: id }), []);
    }
    glanceMade.length = 0;
    await removeAmi(standin, EAST, amiId, snapshotId);
  });
});
