/**
 * EC2 as a cloud through the real daemons: an aws cloud (an account in one region, served by the agents
 * of zone-b, which have the aws driver) registered through the API, a Glance image of zone-a adopted and
 * synced into it (S3, ImportSnapshot, RegisterImage, against the strict EC2 and S3 stand-in), shown live
 * from EC2, and deleted everywhere leaving no AMI, snapshot, object or multipart upload.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { AwsStandin } from '../support/aws-standin';
import { http, waitFor } from '../support/http';
import { useStack } from '../support/stack';

const EAST = 'us-east-1';

describe('EC2 as a cloud, through the daemons', function () {
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
  const glanceMade: string[] = [];
  after(async () => {
    for (const id of glanceMade) await stack.cloud('zone-a').delete(id);
  });

  it('registers an EC2 region, syncs a Glance image into it, shows it live, and deletes it everywhere', async () => {
    const registered = await http('POST', `${stack.api}/v1/clouds`, {
      token: stack.admin.id,
      json: {
        name: 'ec2-east',
        type: 'aws',
        region_name: EAST,
        zone: 'zone-b',
        bucket: standin.bucket('operator', EAST),
      },
    });
    assert.equal(registered.status, 201, registered.text);
    // The zone's agent says what EC2 can do once it has heartbeaten with the aws driver.
    const capabilities = await waitFor(
      'the aws cloud to show its capabilities',
      async () => {
        const res = await http('GET', `${stack.api}/v1/clouds/ec2-east`, { token: stack.admin.id });
        return res.body?.capabilities ?? undefined;
      },
      60000,
    );
    assert.deepEqual(capabilities.reported_hashes, []);
    assert.ok(capabilities.disk_formats.includes('raw'), JSON.stringify(capabilities));

    const data = randomBytes(6 * 1024 * 1024 + 17);
    const { image: source } = await stack
      .cloud('zone-a')
      .createWithData(data, { disk_format: 'raw', container_format: 'bare', hw_firmware_type: 'uefi' });
    glanceMade.push(source.id);
    const before = await standin.state(EAST);

    const adopted = await http('POST', `${stack.api}/v1/images`, {
      token: stack.demo.id,
      json: { name: 'to-ec2', source: { cloud: 'zone-a', image_id: source.id }, targets: ['ec2-east'] },
    });
    assert.equal(adopted.status, 202, adopted.text);
    const id = adopted.body.id as string;
    const task = await waitFor(
      'the copy into EC2 to end',
      async () => {
        const res = await http('GET', `${stack.api}/v1/tasks?image_id=${id}`, { token: stack.demo.id });
        const t = res.body?.tasks?.[0];
        return t && ['succeeded', 'failed', 'cancelled'].includes(t.status) ? t : undefined;
      },
      120000,
    );
    assert.equal(task.status, 'succeeded', JSON.stringify(task));

    const shown = await http('GET', `${stack.api}/v1/images/${id}`, { token: stack.demo.id });
    const copy = shown.body.locations.find((l: any) => l.cloud === 'ec2-east');
    assert.equal(copy.status, 'active', JSON.stringify(copy));
    assert.match(copy.image_id, /^ami-[0-9a-f]+$/);
    assert.equal(copy.proof, 'agent', 'EC2 reports no hash: the agent proved the copy');
    assert.equal(copy.remote?.status, 'active', JSON.stringify(copy));
    assert.equal(copy.remote.properties.hw_firmware_type, 'uefi', 'read back from the AMI’s boot mode');
    assert.ok(shown.body.available_in.includes('ec2-east'));

    // In EC2 itself: the AMI tagged with the GIMinG image, its snapshot, nothing left in S3.
    const state = await standin.state(EAST);
    const ami = state.images.find((i) => i.id === copy.image_id);
    assert.ok(ami, 'the AMI is in the region');
    assert.equal(ami.tags.gimming_image_id, id);
    assert.deepEqual(state.objects, []);
    assert.deepEqual(state.multipartUploads, []);

    // The matrix shows the EC2 column.
    const matrix = await http('GET', `${stack.api}/v1/matrix?name=to-ec2`, { token: stack.demo.id });
    assert.equal(matrix.body.images[0].cells['ec2-east'], 'active', matrix.text);

    // Delete everywhere but the source (Glance's public guard is not at stake: it is private): no AMI,
    // no snapshot.
    const deleting = await http('DELETE', `${stack.api}/v1/images/${id}?delete_remote=true`, {
      token: stack.demo.id,
    });
    assert.equal(deleting.status, 202, deleting.text);
    await waitFor(
      'the image to be deleted everywhere',
      async () =>
        (await http('GET', `${stack.api}/v1/images/${id}`, { token: stack.demo.id })).status === 404
          ? true
          : undefined,
      120000,
    );
    const after = await standin.state(EAST);
    const fresh = <T extends { id: string }>(now: T[], old: T[]) =>
      now.filter((x) => !old.some((o) => o.id === x.id));
    assert.deepEqual(
      fresh(after.images, before.images).filter((i) => i.state !== 'deregistered'),
      [],
      'no AMI left',
    );
    assert.deepEqual(
      fresh(after.snapshots, before.snapshots).filter((s) => s.state !== 'deleted'),
      [],
      'no snapshot left',
    );
    assert.deepEqual(after.objects, []);
    assert.deepEqual(after.multipartUploads, []);
    glanceMade.splice(glanceMade.indexOf(source.id), 1);
  });
});
