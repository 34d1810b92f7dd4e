/**
 * A project's own AWS account as a cloud, through the real daemons, Keystone, Barbican and the strict
 * EC2/S3 stand-in: project demo registers an aws cloud whose access key (the stand-in's second account,
 * not the operator's) is in a Barbican secret, and another whose key comes with each request. A Glance
 * image synced into them lands in the project's account, never the operator's; an AMI the project made
 * itself (with the SDK and its own key, carrying a GIMinG proof) is adopted; the image is shared with an
 * AWS account through the members API (launch permissions, as EC2 itself reports them) and unshared;
 * making it public is the administrators' (gimming:image:publicize); everything is deleted and nothing
 * is left in either account. Afterwards neither key is in the database dump, any daemon's log or any
 * message RabbitMQ carried during the test (its firehose trace), in plain or base64 forms.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as amqp from 'amqplib';
import { AwsStandin } from '../support/aws-standin';
import { launchPermissions, ownerSeenBy, provenAmi } from '../support/aws-standin-calls';
import { waitForTasks } from '../support/flows';
import { http, waitFor } from '../support/http';
import { type Token, issueToken } from '../support/openstack';
import { useStack } from '../support/stack';
import { REPO_ROOT, TESTBED_DIR } from '../support/testbed';

const EAST = 'us-east-1';
const WEST = 'eu-west-1';

interface BedIds {
  auth_url: string;
  barbican_url?: string;
  users: Record<string, { project_id: string }>;
  roles: Record<string, string>;
}

/** The forms a secret could be written in: as is, and base64 at each of the three alignments. */
function needles(secret: string): string[] {
  const forms = [secret];
  for (let shift = 0; shift < 3; shift++) {
    const b64 = Buffer.from('x'.repeat(shift) + secret).toString('base64');
    forms.push(b64.slice(4, -4));
  }
  return forms;
}

const hex = (algo: string, data: Buffer) => createHash(algo).update(data).digest('hex');

describe('a project’s own AWS account as a cloud', function () {
  this.timeout(300000);
  const standin = new AwsStandin({ minDurationMs: 1000, tickMs: 100 });
  const suffix = randomBytes(3).toString('hex');
  const withSecret = `my-ec2-${suffix}`;
  const byRequest = `my-ec2-byreq-${suffix}`;
  let ids: BedIds;
  let owner: Token; // a member and Barbican creator of project demo
  let ownerUserId = '';
  let secretRef = '';
  let header = '';
  let amqpConn: amqp.ChannelModel | undefined;
  const traced: Buffer[] = [];
  const glanceMade: string[] = [];
  let synced = ''; // the GIMinG image synced from Glance into both project clouds
  let syncedAmi = '';
  let syncedWestAmi = '';
  /** Database dumps: one while the clouds, copies and members exist, one at the end. */
  const dumps: string[] = [];
  const dumpDb = () =>
    execFileSync(
      'mysqldump',
      ['-h', '127.0.0.1', '-u', 'root', '--skip-extended-insert', stack.daemons.dbName],
      {
        maxBuffer: 256 * 1024 * 1024,
      },
    ).toString('utf8');

  const keystone = (path: string) => `${ids.auth_url.replace(/\/+$/, '')}${path}`;
  const project = () => standin.accounts.project;
  const operator = () => standin.accounts.operator;
  /** The request's key for the cloud without a secret (X-Cloud-Credentials, base64 of the JSON). */
  const withKey = () => ({ 'X-Cloud-Credentials': header });

  before(async function () {
    this.timeout(600000);
    execFileSync('bash', [join(REPO_ROOT, 'tools', 'testbed', 'testbed.sh'), 'up', '--barbican'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    ids = JSON.parse(readFileSync(join(TESTBED_DIR, 'testbed.json'), 'utf8')) as BedIds;
    assert.ok(ids.barbican_url, 'the test bed runs Barbican');
    await standin.start();
    // Every message RabbitMQ routes from now on is copied to amq.rabbitmq.trace (the firehose).
    execFileSync('rabbitmqctl', ['trace_on'], { stdio: 'ignore' });
    amqpConn = await amqp.connect('amqp://guest:guest@127.0.0.1:5672/');
    const channel = await amqpConn.createChannel();
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
    await channel.bindQueue(queue, 'amq.rabbitmq.trace', '#');
    await channel.consume(queue, (msg) => msg && traced.push(msg.content), { noAck: true });
  });

  after(async function () {
    this.timeout(60000);
    await amqpConn?.close().catch(() => undefined);
    execFileSync('rabbitmqctl', ['trace_off'], { stdio: 'ignore' });
    await standin.stop();
  });

  const stack = useStack({
    extraConfig: '[conductor]\nremote_cache_time = 0\nrefresh_interval = 0\n',
    agentEnv: () => ({ 'zone-b': standin.agentEnv() }),
  });

  before(async function () {
    this.timeout(120000);
    const password = randomBytes(16).toString('hex');
    const made = await http('POST', keystone('/users'), {
      token: stack.admin.id,
      json: { user: { name: `gimming-aws-project-${suffix}`, password, domain_id: 'default' } },
    });
    assert.equal(made.status, 201, made.text);
    ownerUserId = made.body.user.id;
    for (const role of ['member', 'creator']) {
      const grant = await http(
        'PUT',
        keystone(`/projects/${ids.users.demo!.project_id}/users/${ownerUserId}/roles/${ids.roles[role]}`),
        { token: stack.admin.id },
      );
      assert.equal(grant.status, 204, grant.text);
    }
    owner = await issueToken(stack.bed, { ...stack.bed.users.demo, username: made.body.user.name, password });
    header = Buffer.from(
      JSON.stringify({
        [byRequest]: {
          access_key_id: project().accessKeyId,
          secret_access_key: project().secretAccessKey,
        },
      }),
    ).toString('base64');
  });

  after(async function () {
    this.timeout(60000);
    for (const id of glanceMade)
      await stack
        .cloud('zone-a')
        .delete(id)
        .catch(() => undefined);
    if (secretRef) await http('DELETE', secretRef, { token: owner.id }).catch(() => undefined);
    if (ownerUserId) await http('DELETE', keystone(`/users/${ownerUserId}`), { token: stack.admin.id });
  });

  /** The AMIs of an account in a region, as the stand-in holds them (deregistered ones left out). */
  async function amis(account: string, region: string) {
    return (await standin.state(region)).images.filter(
      (i) => i.account === account && i.state !== 'deregistered',
    );
  }

  /** Who may launch an AMI, as EC2 reports it to the project's account. */
  const launchers = (amiId: string, region: string) => launchPermissions(standin, 'project', region, amiId);

  async function copyIn(imageId: string, cloud: string, headers: Record<string, string> = {}) {
    const shown = await http('GET', `${stack.api}/v1/images/${imageId}`, { token: owner.id, headers });
    assert.equal(shown.status, 200, shown.text);
    return shown.body.locations.find((l: any) => l.cloud === cloud);
  }

  it('registers a project aws cloud with its key in Barbican, and one whose key comes with each request', async () => {
    const stored = await http('POST', `${ids.barbican_url}/v1/secrets`, {
      token: owner.id,
      json: {
        name: `gimming-test-aws-project-${suffix}`,
        payload: JSON.stringify({
          access_key_id: project().accessKeyId,
          secret_access_key: project().secretAccessKey,
        }),
        payload_content_type: 'text/plain',
      },
    });
    assert.equal(stored.status, 201, stored.text);
    secretRef = stored.body.secret_ref;
    const made = await http('POST', `${stack.api}/v1/clouds`, {
      token: owner.id,
      json: {
        name: withSecret,
        type: 'aws',
        region_name: EAST,
        zone: 'zone-b',
        scope: 'project',
        credentials_ref: secretRef,
        bucket: standin.bucket('project', EAST),
      },
    });
    assert.equal(made.status, 201, made.text);
    assert.equal(made.body.owner, owner.projectId);
    assert.equal(made.body.credentials_ref, secretRef);
    const plain = await http('POST', `${stack.api}/v1/clouds`, {
      token: owner.id,
      json: {
        name: byRequest,
        type: 'aws',
        region_name: WEST,
        zone: 'zone-b',
        scope: 'project',
        bucket: standin.bucket('project', WEST),
      },
    });
    assert.equal(plain.status, 201, plain.text);
    assert.equal(plain.body.credentials_ref, null);

    // What EC2 is, as the zone's agent says, checked by the conductor and shown by the API.
    const capabilities = await waitFor(
      'the project aws cloud to show its capabilities',
      async () => {
        const res = await http('GET', `${stack.api}/v1/clouds/${withSecret}`, { token: owner.id });
        return res.body?.capabilities ?? undefined;
      },
      60000,
    );
    assert.equal(capabilities.owners_are_projects, false, JSON.stringify(capabilities));
    assert.equal(capabilities.fixed_names, true);
    assert.equal(capabilities.records_proof, true);
    assert.equal(capabilities.sharing, 'members');
    const glance = await http('GET', `${stack.api}/v1/clouds/zone-a`, { token: owner.id });
    assert.equal(glance.body.capabilities.owners_are_projects, true, glance.text);
    assert.equal(glance.body.capabilities.fixed_names, false);
  });

  it('syncs a Glance image into the project’s account, not the operator’s', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 5);
    const { image: source } = await stack
      .cloud('zone-a')
      .createWithData(data, { disk_format: 'raw', container_format: 'bare' });
    glanceMade.push(source.id);
    const operatorBefore = await amis(operator().accountId, EAST);
    const adopted = await http('POST', `${stack.api}/v1/images`, {
      token: owner.id,
      json: {
        name: `to-my-ec2-${suffix}`,
        source: { cloud: 'zone-a', image_id: source.id },
        targets: [withSecret],
      },
    });
    assert.equal(adopted.status, 202, adopted.text);
    synced = adopted.body.id;
    const [task] = await waitForTasks(stack.api, owner.id, synced);
    assert.equal(task.status, 'succeeded', JSON.stringify(task));

    const copy = await copyIn(synced, withSecret);
    assert.equal(copy.status, 'active', JSON.stringify(copy));
    assert.equal(copy.proof, 'agent');
    assert.equal(copy.remote?.owner, project().accountId, 'EC2 says the project’s account owns it');
    syncedAmi = copy.image_id;
    const mine = await amis(project().accountId, EAST);
    assert.deepEqual(
      mine.filter((i) => i.tags.gimming_image_id === synced).map((i) => i.id),
      [syncedAmi],
      'the AMI is in the project’s account',
    );
    assert.deepEqual(await amis(operator().accountId, EAST), operatorBefore, 'nothing in the operator’s');
    const state = await standin.state(EAST);
    assert.deepEqual(state.objects, [], 'no transfer object left in S3');
  });

  it('works on the cloud without a secret with the key given with the request, and only then', async () => {
    const without = await http('POST', `${stack.api}/v1/images/${synced}/sync`, {
      token: owner.id,
      json: { targets: [byRequest] },
    });
    assert.equal(without.status, 400, without.text);
    assert.equal(without.body.error.code, 'gimming.cloud.credentials_required');
    const sync = await http('POST', `${stack.api}/v1/images/${synced}/sync`, {
      token: owner.id,
      headers: withKey(),
      json: { targets: [byRequest] },
    });
    assert.equal(sync.status, 202, sync.text);
    const tasks = await waitForTasks(stack.api, owner.id, synced);
    const task = tasks.find((t) => t.cloud === byRequest);
    assert.equal(task?.status, 'succeeded', JSON.stringify(tasks));
    const copy = await copyIn(synced, byRequest, withKey());
    assert.equal(copy.status, 'active', JSON.stringify(copy));
    syncedWestAmi = copy.image_id;
    assert.deepEqual(
      (await amis(project().accountId, WEST)).map((i) => i.id),
      [syncedWestAmi],
      'made in the project’s account, with the key of the request',
    );
    assert.deepEqual(await amis(operator().accountId, WEST), []);
    // Browsing it live takes the key too.
    const listed = await http('GET', `${stack.api}/v1/clouds/${byRequest}/images`, {
      token: owner.id,
      headers: withKey(),
    });
    assert.equal(listed.status, 200, listed.text);
    assert.deepEqual(
      listed.body.images.map((i: any) => [i.id, i.tracked_by]),
      [[syncedWestAmi, synced]],
    );
  });

  it('shares the image with an AWS account through its members, as launch permissions', async () => {
    const shared = await http('PATCH', `${stack.api}/v1/images/${synced}`, {
      token: owner.id,
      headers: withKey(),
      json: { visibility: 'shared' },
    });
    assert.equal(shared.status, 200, shared.text);
    for (const cloud of [withSecret, byRequest]) {
      const location = shared.body.locations.find((l: any) => l.cloud === cloud);
      assert.equal(location.remote_error, undefined, JSON.stringify(location));
      assert.equal(location.remote.visibility, 'private', 'a shared AMI is a private one with members');
    }
    const account = operator().accountId;
    const added = await http('POST', `${stack.api}/v1/images/${synced}/members`, {
      token: owner.id,
      headers: withKey(),
      json: { member: account },
    });
    assert.equal(added.status, 201, added.text);
    const statusIn = (body: any, cloud: string) => body.copies.find((c: any) => c.cloud === cloud);
    assert.deepEqual(statusIn(added.body, withSecret), { cloud: withSecret, status: 'accepted' });
    assert.deepEqual(statusIn(added.body, byRequest), { cloud: byRequest, status: 'accepted' });
    assert.deepEqual(await launchers(syncedAmi, EAST), [account]);
    assert.deepEqual(await launchers(syncedWestAmi, WEST), [account]);
    // The account it is shared with now sees the AMI, owned by the project's account.
    assert.equal(await ownerSeenBy(standin, 'operator', EAST, syncedAmi), project().accountId);
    const listed = await http('GET', `${stack.api}/v1/images/${synced}/members`, {
      token: owner.id,
      headers: withKey(),
    });
    assert.equal(listed.status, 200, listed.text);
    assert.deepEqual(
      listed.body.members.map((m: any) => [m.member_id, statusIn(m, withSecret)?.status]),
      [[account, 'accepted']],
    );

    // EC2 shares with accounts only: a project ID is refused by the EC2 copies, with why.
    const notAccount = await http('POST', `${stack.api}/v1/images/${synced}/members`, {
      token: owner.id,
      headers: withKey(),
      json: { member: stack.alt.projectId },
    });
    assert.equal(notAccount.status, 201, notAccount.text);
    assert.equal(statusIn(notAccount.body, withSecret).error?.code, 'gimming.cloud.bad_member');
    assert.equal(
      (
        await http('DELETE', `${stack.api}/v1/images/${synced}/members/${stack.alt.projectId}`, {
          token: owner.id,
          headers: withKey(),
        })
      ).status,
      204,
    );

    const removed = await http('DELETE', `${stack.api}/v1/images/${synced}/members/${account}`, {
      token: owner.id,
      headers: withKey(),
    });
    assert.equal(removed.status, 204, removed.text);
    assert.deepEqual(await launchers(syncedAmi, EAST), []);
    assert.deepEqual(await launchers(syncedWestAmi, WEST), []);
    assert.equal(await ownerSeenBy(standin, 'operator', EAST, syncedAmi), undefined, 'no longer seen');
    dumps.push(dumpDb());
  });

  it('leaves making it public to administrators (gimming:image:publicize)', async () => {
    const refused = await http('PATCH', `${stack.api}/v1/images/${synced}`, {
      token: owner.id,
      headers: withKey(),
      json: { visibility: 'public' },
    });
    assert.equal(refused.status, 403, refused.text);
    assert.equal(refused.body.error.code, 'gimming.policy.forbidden');
    assert.match(refused.body.error.message, /gimming:image:publicize/);
    assert.deepEqual(await launchers(syncedAmi, EAST), [], 'not public in EC2');
    assert.deepEqual(await launchers(syncedWestAmi, WEST), []);
    const shown = await http('GET', `${stack.api}/v1/images/${synced}`, { token: owner.id });
    assert.equal(shown.body.visibility, 'shared');
  });

  it('adopts an AMI the project made in its own account, with its own key', async () => {
    // Made as any AWS tool would, with the project's key: imported, registered, and carrying the proof
    // of its bytes GIMinG reads (the gimming_proof tag, as its agents write it), without which no copy
    // could be verified (gimming.remote_image.no_hash, the same as for any image without a hash).
    const bytes = randomBytes(2 * 1024 * 1024 + 3);
    const { amiId, snapshotId } = await provenAmi(standin, 'project', EAST, `own-${suffix}`, bytes);

    const adopted = await http('POST', `${stack.api}/v1/images`, {
      token: owner.id,
      json: { name: `own-${suffix}`, source: { cloud: withSecret, image_id: amiId }, targets: [] },
    });
    assert.equal(adopted.status, 202, adopted.text);
    assert.equal(adopted.body.size, bytes.length);
    assert.equal(adopted.body.checksum, hex('md5', bytes));
    assert.equal(adopted.body.os_hash_value, hex('sha512', bytes));
    const copy = await copyIn(adopted.body.id, withSecret);
    assert.equal(copy.image_id, amiId);
    assert.equal(copy.status, 'active');
    const ami = (await amis(project().accountId, EAST)).find((i) => i.id === amiId);
    assert.equal(ami?.tags.gimming_image_id, adopted.body.id, 'tagged as the image’s own');

    // Another project cannot see the cloud at all.
    const other = await http('POST', `${stack.api}/v1/images`, {
      token: stack.alt.id,
      json: { source: { cloud: withSecret, image_id: amiId }, targets: [] },
    });
    assert.equal(other.status, 404, other.text);
    assert.equal(other.body.error.code, 'gimming.cloud.not_found');

    const deleting = await http('DELETE', `${stack.api}/v1/images/${adopted.body.id}?delete_remote=true`, {
      token: owner.id,
    });
    assert.equal(deleting.status, 202, deleting.text);
    await waitFor(
      'the adopted image to be deleted everywhere',
      async () =>
        (await http('GET', `${stack.api}/v1/images/${adopted.body.id}`, { token: owner.id })).status === 404
          ? true
          : undefined,
      120000,
    );
    assert.equal(
      (await amis(project().accountId, EAST)).find((i) => i.id === amiId),
      undefined,
      'deregistered in the project’s account',
    );
    const snapshot = (await standin.state(EAST)).snapshots.find((s) => s.id === snapshotId);
    assert.equal(snapshot?.state ?? 'deleted', 'deleted', 'its snapshot deleted');
  });

  it('deletes everything, leaving nothing in the project’s account', async () => {
    const deleting = await http('DELETE', `${stack.api}/v1/images/${synced}?delete_remote=true`, {
      token: owner.id,
      headers: withKey(),
    });
    assert.equal(deleting.status, 202, deleting.text);
    await waitFor(
      'the synced image to be deleted everywhere',
      async () =>
        (await http('GET', `${stack.api}/v1/images/${synced}`, { token: owner.id })).status === 404
          ? true
          : undefined,
      120000,
    );
    for (const cloud of [withSecret, byRequest]) {
      const res = await http('DELETE', `${stack.api}/v1/clouds/${cloud}`, { token: owner.id });
      assert.equal(res.status, 204, res.text);
    }
    for (const region of [EAST, WEST]) {
      assert.deepEqual(await amis(project().accountId, region), [], `no AMI left in ${region}`);
      const state = await standin.state(region);
      assert.deepEqual(
        state.snapshots.filter((s) => s.account === project().accountId && s.state !== 'deleted'),
        [],
        `no snapshot left in ${region}`,
      );
      assert.deepEqual(state.objects, []);
      assert.deepEqual(state.multipartUploads, []);
    }
  });

  describe('afterwards', () => {
    it('finds neither account’s key in the database, any log, or any message RabbitMQ carried', async () => {
      dumps.push(dumpDb());
      const [during, dump] = dumps as [string, string];
      const logs = stack.daemons.names.map((name) => ({ name, text: stack.daemons.logText(name) }));
      await new Promise((r) => setTimeout(r, 500)); // the last traced messages
      const messages = Buffer.concat(traced).toString('utf8');
      // The searches can find what is there: the dump has the tasks of the project clouds, the logs the
      // work, the trace the RPC calls (with the sealed key of the request).
      assert.ok(dumps.length === 2, 'a dump was taken while the clouds were in use');
      assert.ok(
        during.includes(secretRef) && during.includes(syncedAmi) && during.includes(syncedWestAmi),
        'the dump taken while they were in use holds the clouds and the copies',
      );
      assert.ok(dump.includes('owners_are_projects'), 'the last dump holds the agents and their drivers');
      assert.ok(
        logs.some((l) => l.text.includes(syncedAmi)),
        'the logs hold the work on the AMIs',
      );
      assert.ok(
        traced.length > 20 && messages.includes('cloud_credentials') && messages.includes('add_member'),
        `traced ${traced.length} messages`,
      );
      const secrets = [
        project().accessKeyId,
        project().secretAccessKey,
        operator().accessKeyId,
        operator().secretAccessKey,
        header,
      ];
      for (const secret of secrets) {
        for (const needle of needles(secret)) {
          for (const d of dumps) assert.ok(!d.includes(needle), 'not in the database');
          for (const l of logs) assert.ok(!l.text.includes(needle), `not in the ${l.name} log`);
          assert.ok(!messages.includes(needle), 'not in any RabbitMQ message');
        }
      }
    });
  });
});
