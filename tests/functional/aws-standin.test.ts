/**
 * The AWS stand-in (tools/aws-standin) through the real AWS SDK clients: it refuses what EC2 and S3 would
 * refuse (parameters the botocore model does not have, missing required ones, values outside the model's
 * enums, bad signatures, unknown keys), its import, export and copy tasks move asynchronously, it keeps
 * and returns the bytes, fails a qcow2 import with EC2's own message, injects the faults a test asks for,
 * and leaves no multipart upload behind an aborted lib-storage upload. Each test starts from its own
 * stand-in process; no shared test bed service is used.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  CancelImportTaskCommand,
  CopyImageCommand,
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeExportImageTasksCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeImportSnapshotTasksCommand,
  DescribeInstancesCommand,
  DescribeRegionsCommand,
  DescribeSnapshotsCommand,
  DescribeTagsCommand,
  EC2Client,
  ExportImageCommand,
  ImportSnapshotCommand,
  ModifyImageAttributeCommand,
  RegisterImageCommand,
  ResetImageAttributeCommand,
  type SnapshotTaskDetail,
} from '@aws-sdk/client-ec2';
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/nested-clients/sts';
import { AwsStandin, signedQuery } from '../support/aws-standin';

const R1 = 'us-east-1';
const R2 = 'eu-west-1';

interface AwsFailure {
  name: string;
  message: string;
  $metadata: { httpStatusCode?: number };
}

/** The service error a call ends with (the test fails if it succeeds). */
async function failure(p: Promise<unknown>): Promise<AwsFailure> {
  try {
    await p;
  } catch (e) {
    return e as AwsFailure;
  }
  assert.fail('the call succeeded; the stand-in should have refused it');
}

/** Adds raw form parameters to every request of a client before it is signed (what no SDK input can). */
function withExtraForm(client: EC2Client, extra: string): EC2Client {
  client.middlewareStack.add(
    (next) => async (args) => {
      const req = args.request as { body?: string; headers: Record<string, string> };
      req.body = `${req.body ?? ''}&${extra}`;
      req.headers['content-length'] = String(Buffer.byteLength(req.body));
      return next(args);
    },
    { step: 'build', name: 'extraForm' },
  );
  return client;
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

async function bodyOf(s: { Body?: unknown }): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s.Body as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

/** Polls an import task to its end, returning every detail seen on the way. */
async function importToEnd(ec2: EC2Client, id: string): Promise<SnapshotTaskDetail[]> {
  const seen: SnapshotTaskDetail[] = [];
  for (let i = 0; i < 300; i++) {
    const out = await ec2.send(new DescribeImportSnapshotTasksCommand({ ImportTaskIds: [id] }));
    const d = out.ImportSnapshotTasks?.[0]?.SnapshotTaskDetail;
    assert.ok(d, 'the task is described');
    seen.push(d);
    if (d.Status !== 'active') return seen;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`import task ${id} did not end`);
}

async function exportToEnd(
  ec2: EC2Client,
  id: string,
): Promise<{ status: string[]; progress: string[]; message?: string }> {
  const status: string[] = [];
  const progress: string[] = [];
  for (let i = 0; i < 300; i++) {
    const out = await ec2.send(new DescribeExportImageTasksCommand({ ExportImageTaskIds: [id] }));
    const t = out.ExportImageTasks?.[0];
    assert.ok(t);
    status.push(t.Status ?? '');
    if (t.Progress) progress.push(t.Progress);
    if (t.Status !== 'active') return { status, progress, message: t.StatusMessage };
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`export task ${id} did not end`);
}

describe('AWS stand-in', function () {
  this.timeout(120000);
  let st: AwsStandin;
  let scratch: string;

  before(async function () {
    this.timeout(60000);
    st = new AwsStandin({ minDurationMs: 1500, tickMs: 100 });
    await st.start();
    scratch = mkdtempSync(join(tmpdir(), 'gimming-aws-standin-test-'));
  });

  after(async function () {
    if (st) await st.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  afterEach(async function () {
    await st.control('DELETE', 'faults');
  });

  /** Uploads bytes to the operator's transfer bucket in a region and imports them as a snapshot. */
  async function importBytes(region: string, key: string, bytes: Buffer, format: 'RAW' | 'VMDK' | 'VHD') {
    const ec2 = st.ec2('operator', region);
    await st
      .s3('operator', region)
      .send(new PutObjectCommand({ Bucket: st.bucket('operator', region), Key: key, Body: bytes }));
    const task = await ec2.send(
      new ImportSnapshotCommand({
        DiskContainer: {
          Format: format,
          UserBucket: { S3Bucket: st.bucket('operator', region), S3Key: key },
        },
      }),
    );
    assert.match(task.ImportTaskId ?? '', /^import-snap-[0-9a-f]{17}$/);
    return { ec2, taskId: task.ImportTaskId!, seen: await importToEnd(ec2, task.ImportTaskId!) };
  }

  async function registerFrom(ec2: EC2Client, snapshotId: string, name: string): Promise<string> {
    const out = await ec2.send(
      new RegisterImageCommand({
        Name: name,
        Architecture: 'x86_64',
        BootMode: 'uefi',
        EnaSupport: true,
        RootDeviceName: '/dev/xvda',
        VirtualizationType: 'hvm',
        BlockDeviceMappings: [
          { DeviceName: '/dev/xvda', Ebs: { SnapshotId: snapshotId, DeleteOnTermination: true } },
        ],
      }),
    );
    // RegisterImage has no TagSpecifications in botocore 1.29's model (the stand-in refuses them): CreateTags.
    await ec2.send(
      new CreateTagsCommand({ Resources: [out.ImageId!], Tags: [{ Key: 'gimming-id', Value: name }] }),
    );
    return out.ImageId!;
  }

  describe('validation against the botocore model', function () {
    it('refuses a parameter the model does not have, at the top and inside a structure', async function () {
      const top = await failure(
        withExtraForm(st.ec2('operator', R1), 'Bogus=1').send(new DescribeImagesCommand({})),
      );
      assert.equal(top.name, 'UnknownParameter');
      assert.equal(top.$metadata.httpStatusCode, 400);
      assert.match(top.message, /Bogus/);
      const nested = await failure(
        withExtraForm(st.ec2('operator', R1), 'Filter.1.Nme=x').send(new DescribeImagesCommand({})),
      );
      assert.equal(nested.name, 'UnknownParameter');
      assert.match(nested.message, /Filter\.1\.Nme/);
      // The same client without the extra parameter is served.
      assert.deepEqual(
        (await st.ec2('operator', R1).send(new DescribeImagesCommand({ Owners: ['self'] }))).Images,
        [],
      );
    });

    it('refuses a missing required parameter, a value outside an enum and a wrongly typed value', async function () {
      const ec2 = st.ec2('operator', R1);
      const missing = await failure(ec2.send(new DeleteSnapshotCommand({} as never)));
      assert.equal(missing.name, 'MissingParameter');
      assert.match(missing.message, /SnapshotId/);
      const noName = await failure(ec2.send(new RegisterImageCommand({} as never)));
      assert.equal(noName.name, 'MissingParameter');
      assert.match(noName.message, /Name/);
      const arch = await failure(
        ec2.send(new RegisterImageCommand({ Name: 'x86-only', Architecture: 'sparc' as never })),
      );
      assert.equal(arch.name, 'InvalidParameterValue');
      assert.match(arch.message, /sparc/);
      const typed = await failure(
        withExtraForm(st.ec2('operator', R1), 'MaxResults=many').send(new DescribeSnapshotsCommand({})),
      );
      assert.equal(typed.name, 'InvalidParameterValue');
      const virt = await failure(
        ec2.send(new RegisterImageCommand({ Name: 'virt', VirtualizationType: 'kvm' })),
      );
      assert.equal(virt.name, 'InvalidParameterValue');
      // The SDK knows members newer than botocore 1.29's model: the stand-in holds to the model.
      const newer = await failure(
        ec2.send(
          new RegisterImageCommand({
            Name: 'newer',
            TagSpecifications: [{ ResourceType: 'image', Tags: [{ Key: 'k', Value: 'v' }] }],
          }),
        ),
      );
      assert.equal(newer.name, 'UnknownParameter');
    });

    it('answers a valid but unimplemented action with UnsupportedOperation, and honours DryRun', async function () {
      const e = await failure(st.ec2('operator', R1).send(new DescribeInstancesCommand({})));
      assert.equal(e.name, 'UnsupportedOperation');
      const dry = await failure(st.ec2('operator', R1).send(new DescribeImagesCommand({ DryRun: true })));
      assert.equal(dry.name, 'DryRunOperation');
      assert.equal(dry.$metadata.httpStatusCode, 412);
    });

    it('lists the configured regions', async function () {
      const out = await st.ec2('project', R2).send(new DescribeRegionsCommand({}));
      assert.deepEqual(out.Regions?.map((r) => r.RegionName).sort(), [R2, R1].sort());
    });
  });

  describe('signatures and credentials', function () {
    it('refuses a wrong secret, an unknown key and an unserved region, on EC2 and S3', async function () {
      const good = st.creds('operator');
      const wrong = { ...good, secretAccessKey: `${good.secretAccessKey}x` };
      const sig = await failure(st.ec2(wrong, R1).send(new DescribeImagesCommand({})));
      assert.equal(sig.name, 'SignatureDoesNotMatch');
      assert.equal(sig.$metadata.httpStatusCode, 403);
      const unknown = await failure(
        st
          .ec2({ accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x' }, R1)
          .send(new DescribeImagesCommand({})),
      );
      assert.equal(unknown.name, 'AuthFailure');
      assert.equal(unknown.$metadata.httpStatusCode, 401);
      const region = await failure(st.ec2('operator', 'ap-south-1').send(new DescribeImagesCommand({})));
      assert.equal(region.name, 'AuthFailure');
      const s3sig = await failure(
        st
          .s3(wrong, R1)
          .send(new PutObjectCommand({ Bucket: st.bucket('operator', R1), Key: 'k', Body: 'x' })),
      );
      assert.equal(s3sig.name, 'SignatureDoesNotMatch');
      const anonymous = await fetch(`${st.s3Url}/${st.bucket('operator', R1)}/k`, {
        method: 'PUT',
        body: 'x',
      });
      assert.equal(anonymous.status, 403);
      const other = await failure(
        st
          .s3('project', R1)
          .send(new PutObjectCommand({ Bucket: st.bucket('operator', R1), Key: 'k', Body: 'x' })),
      );
      assert.equal(
        other.name,
        'AccessDenied',
        "a key of another account may not write the operator's bucket",
      );
      assert.equal((await st.state(R1)).objects.length, 0, 'nothing was written');
    });

    it('hands out temporary credentials by AssumeRole that verify only with their session token', async function () {
      const sts = new STSClient({
        region: R1,
        endpoint: st.ec2Url,
        credentials: st.creds('project'),
        maxAttempts: 1,
      });
      const role = `arn:aws:iam::${st.accounts.operator.accountId}:role/gimming-transfer`;
      const out = await sts.send(
        new AssumeRoleCommand({ RoleArn: role, RoleSessionName: 'gimming-test', DurationSeconds: 900 }),
      );
      const c = out.Credentials!;
      assert.match(c.AccessKeyId ?? '', /^ASIA/);
      const temp = {
        accessKeyId: c.AccessKeyId!,
        secretAccessKey: c.SecretAccessKey!,
        sessionToken: c.SessionToken!,
      };
      const who = await signedQuery(st.ec2Url, 'sts', R1, temp, {
        Action: 'GetCallerIdentity',
        Version: '2011-06-15',
      });
      assert.equal(who.status, 200, who.body);
      assert.match(who.body, new RegExp(`<Account>${st.accounts.operator.accountId}</Account>`));
      assert.match(who.body, /<Arn>arn:aws:sts::\d{12}:assumed-role\/gimming-transfer\/gimming-test<\/Arn>/);
      const bogus = await signedQuery(st.ec2Url, 'sts', R1, temp, {
        Action: 'GetCallerIdentity',
        Version: '2011-06-15',
        Extra: '1',
      });
      assert.equal(bogus.status, 400);
      assert.match(bogus.body, /<Code>UnknownParameter<\/Code>/);
      await st.ec2(temp, R1).send(new DescribeImagesCommand({ Owners: ['self'] }));
      const noToken = await failure(
        st
          .ec2({ accessKeyId: temp.accessKeyId, secretAccessKey: temp.secretAccessKey }, R1)
          .send(new DescribeImagesCommand({})),
      );
      assert.equal(noToken.name, 'AuthFailure');
      const untrusted = await failure(
        new STSClient({
          region: R1,
          endpoint: st.ec2Url,
          credentials: st.creds('operator'),
          maxAttempts: 1,
        }).send(
          new AssumeRoleCommand({
            RoleArn: `arn:aws:iam::${st.accounts.project.accountId}:role/none`,
            RoleSessionName: 'session',
          }),
        ),
      );
      assert.equal(untrusted.name, 'AccessDenied');
      const short = await failure(
        sts.send(new AssumeRoleCommand({ RoleArn: role, RoleSessionName: 'session', DurationSeconds: 60 })),
      );
      assert.equal(short.name, 'ValidationError', 'DurationSeconds below the model minimum of 900');
    });
  });

  describe('import, images, tags and launch permissions', function () {
    it('imports asynchronously, then registers, describes, tags, shares and deletes', async function () {
      const bytes = randomBytes(6 * 1024 * 1024);
      const { ec2, seen } = await importBytes(R1, 'disks/one.raw', bytes, 'RAW');
      const active = seen.filter((d) => d.Status === 'active');
      assert.ok(active.length >= 3, `the task was seen active several times (${active.length})`);
      const progress = [...new Set(active.map((d) => Number(d.Progress)))];
      assert.ok(progress.length >= 2, `Progress moved: ${progress.join(' ')}`);
      assert.ok(
        progress.every((p, i) => i === 0 || p >= progress[i - 1]!),
        'Progress never goes back',
      );
      assert.ok(new Set(active.map((d) => d.StatusMessage)).size >= 2, 'StatusMessage moved');
      const done = seen.at(-1)!;
      assert.equal(done.Status, 'completed');
      const snapshotId = done.SnapshotId!;
      assert.match(snapshotId, /^snap-/);
      const snaps = await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] }));
      assert.equal(snaps.Snapshots?.[0]?.State, 'completed');
      assert.equal(snaps.Snapshots?.[0]?.VolumeSize, 1);

      const imageId = await registerFrom(ec2, snapshotId, 'gimming-one');
      const dup = await failure(registerFrom(ec2, snapshotId, 'gimming-one'));
      assert.equal(dup.name, 'InvalidAMIName.Duplicate');
      const byTag = await ec2.send(
        new DescribeImagesCommand({
          Owners: ['self'],
          Filters: [{ Name: 'tag:gimming-id', Values: ['gimming-one'] }],
        }),
      );
      assert.deepEqual(
        byTag.Images?.map((i) => i.ImageId),
        [imageId],
      );
      const img = byTag.Images[0]!;
      assert.equal(img.State, 'available');
      assert.equal(img.BootMode, 'uefi');
      assert.equal(img.EnaSupport, true);
      assert.equal(img.Architecture, 'x86_64');
      assert.equal(img.BlockDeviceMappings?.[0]?.Ebs?.SnapshotId, snapshotId);
      const none = await ec2.send(
        new DescribeImagesCommand({
          Owners: ['self'],
          Filters: [{ Name: 'tag:gimming-id', Values: ['other'] }],
        }),
      );
      assert.deepEqual(none.Images, []);
      const elsewhere = await st.ec2('operator', R2).send(new DescribeImagesCommand({ Owners: ['self'] }));
      assert.deepEqual(elsewhere.Images, [], 'state is per region');

      await ec2.send(
        new CreateTagsCommand({
          Resources: [snapshotId],
          Tags: [{ Key: 'gimming-sha256', Value: sha256(bytes) }],
        }),
      );
      const tags = await ec2.send(
        new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [snapshotId] }] }),
      );
      assert.deepEqual(
        tags.Tags?.map((t) => [t.Key, t.Value, t.ResourceType]),
        [['gimming-sha256', sha256(bytes), 'snapshot']],
      );
      const reserved = await failure(
        ec2.send(new CreateTagsCommand({ Resources: [imageId], Tags: [{ Key: 'aws:x', Value: '' }] })),
      );
      assert.equal(reserved.name, 'InvalidParameterValue');

      // Launch permissions: an account ID and the group all; the project account then sees the AMI.
      const project = st.ec2('project', R1);
      assert.equal(
        (await failure(project.send(new DescribeImagesCommand({ ImageIds: [imageId] })))).name,
        'InvalidAMIID.NotFound',
      );
      await ec2.send(
        new ModifyImageAttributeCommand({
          ImageId: imageId,
          LaunchPermission: { Add: [{ UserId: st.accounts.project.accountId }] },
        }),
      );
      assert.equal(
        (await project.send(new DescribeImagesCommand({ ImageIds: [imageId] }))).Images?.[0]?.OwnerId,
        st.accounts.operator.accountId,
      );
      await ec2.send(
        new ModifyImageAttributeCommand({ ImageId: imageId, LaunchPermission: { Add: [{ Group: 'all' }] } }),
      );
      const perms = await ec2.send(
        new DescribeImageAttributeCommand({ ImageId: imageId, Attribute: 'launchPermission' }),
      );
      assert.deepEqual(perms.LaunchPermissions, [
        { Group: 'all' },
        { UserId: st.accounts.project.accountId },
      ]);
      const bad = await failure(
        ec2.send(
          new ModifyImageAttributeCommand({
            ImageId: imageId,
            LaunchPermission: { Add: [{ UserId: '12' }] },
          }),
        ),
      );
      assert.equal(bad.name, 'InvalidAMIAttributeItemValue');
      const notOwner = await failure(
        project.send(
          new ModifyImageAttributeCommand({
            ImageId: imageId,
            LaunchPermission: { Add: [{ Group: 'all' }] },
          }),
        ),
      );
      assert.equal(notOwner.name, 'AuthFailure');
      await ec2.send(new ResetImageAttributeCommand({ ImageId: imageId, Attribute: 'launchPermission' }));
      assert.deepEqual(
        (
          await ec2.send(
            new DescribeImageAttributeCommand({ ImageId: imageId, Attribute: 'launchPermission' }),
          )
        ).LaunchPermissions,
        [],
      );

      const inUse = await failure(ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId })));
      assert.equal(inUse.name, 'InvalidSnapshot.InUse');
      await ec2.send(new DeregisterImageCommand({ ImageId: imageId }));
      assert.equal(
        (await failure(ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] })))).name,
        'InvalidAMIID.NotFound',
      );
      await ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId }));
      assert.equal(
        (await failure(ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] })))).name,
        'InvalidSnapshot.NotFound',
      );
      const left = await st.state(R1);
      assert.ok(
        !left.images.some((i) => i.id === imageId) && !left.snapshots.some((s) => s.id === snapshotId),
        'nothing left',
      );
    });

    it('fails a qcow2 import, whatever format it is given as, with EC2 message', async function () {
      const before = (await st.state(R1)).snapshots.length;
      const qcow2 = join(scratch, 'disk.qcow2');
      execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', qcow2, '8M']);
      for (const format of ['RAW', 'VMDK'] as const) {
        const { seen } = await importBytes(R1, `bad-${format}.qcow2`, readFileSync(qcow2), format);
        const end = seen.at(-1)!;
        assert.equal(end.Status, 'deleted');
        assert.equal(
          end.StatusMessage,
          'ClientError: Disk validation failed [Unsupported specified file format]',
        );
        assert.equal(end.SnapshotId, undefined);
      }
      assert.equal((await st.state(R1)).snapshots.length, before, 'no snapshot made');
    });

    it('refuses an import from a bucket of another region or account, or of a missing object', async function () {
      const ec2 = st.ec2('operator', R1);
      const other = await failure(
        ec2.send(
          new ImportSnapshotCommand({
            DiskContainer: { Format: 'RAW', UserBucket: { S3Bucket: st.bucket('operator', R2), S3Key: 'x' } },
          }),
        ),
      );
      assert.equal(other.name, 'InvalidParameter');
      const missing = await failure(
        ec2.send(
          new ImportSnapshotCommand({
            DiskContainer: {
              Format: 'RAW',
              UserBucket: { S3Bucket: st.bucket('operator', R1), S3Key: 'nothing' },
            },
          }),
        ),
      );
      assert.equal(missing.name, 'InvalidParameter');
      const format = await failure(
        ec2.send(
          new ImportSnapshotCommand({
            DiskContainer: {
              Format: 'QCOW2',
              UserBucket: { S3Bucket: st.bucket('operator', R1), S3Key: 'x' },
            },
          }),
        ),
      );
      assert.equal(format.name, 'InvalidParameterValue');
    });

    it('cancels an import: the task ends deleted and no snapshot is made', async function () {
      const slow = new AwsStandin({ minDurationMs: 60000, tickMs: 100 });
      await slow.start();
      try {
        const ec2 = slow.ec2('operator', R1);
        await slow.s3('operator', R1).send(
          new PutObjectCommand({
            Bucket: slow.bucket('operator', R1),
            Key: 'c.raw',
            Body: randomBytes(1024 * 1024),
          }),
        );
        const t = await ec2.send(
          new ImportSnapshotCommand({
            DiskContainer: {
              Format: 'RAW',
              UserBucket: { S3Bucket: slow.bucket('operator', R1), S3Key: 'c.raw' },
            },
          }),
        );
        await new Promise((r) => setTimeout(r, 500));
        const c = await ec2.send(new CancelImportTaskCommand({ ImportTaskId: t.ImportTaskId }));
        assert.equal(c.PreviousState, 'active');
        const d = (
          await ec2.send(new DescribeImportSnapshotTasksCommand({ ImportTaskIds: [t.ImportTaskId!] }))
        ).ImportSnapshotTasks![0]!.SnapshotTaskDetail!;
        assert.equal(d.Status, 'deleted');
        assert.equal(
          (await failure(ec2.send(new CancelImportTaskCommand({ ImportTaskId: t.ImportTaskId })))).name,
          'IncorrectState',
        );
        assert.equal((await slow.state(R1)).snapshots.length, 0);
      } finally {
        await slow.stop();
      }
    });
  });

  describe('export and copy', function () {
    it('exports the same bytes (RAW) and a streamOptimized VMDK of them; a VMDK import gives them back', async function () {
      const bytes = randomBytes(3 * 1024 * 1024 + 512);
      const { ec2, seen } = await importBytes(R1, 'exp.raw', bytes, 'RAW');
      const imageId = await registerFrom(ec2, seen.at(-1)!.SnapshotId!, 'gimming-export');
      const s3 = st.s3('operator', R1);
      const bucket = st.bucket('operator', R1);

      const raw = await ec2.send(
        new ExportImageCommand({
          ImageId: imageId,
          DiskImageFormat: 'RAW',
          S3ExportLocation: { S3Bucket: bucket, S3Prefix: 'exports/' },
        }),
      );
      assert.match(raw.ExportImageTaskId ?? '', /^export-ami-/);
      const rawEnd = await exportToEnd(ec2, raw.ExportImageTaskId!);
      assert.equal(rawEnd.status.at(-1), 'completed');
      assert.ok(rawEnd.status.filter((s) => s === 'active').length >= 2, 'the export was seen active');
      const rawObject = await bodyOf(
        await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `exports/${raw.ExportImageTaskId}.raw` })),
      );
      assert.equal(sha256(rawObject), sha256(bytes));

      const vmdk = await ec2.send(
        new ExportImageCommand({
          ImageId: imageId,
          DiskImageFormat: 'VMDK',
          S3ExportLocation: { S3Bucket: bucket, S3Prefix: 'exports/' },
        }),
      );
      assert.equal((await exportToEnd(ec2, vmdk.ExportImageTaskId!)).status.at(-1), 'completed');
      const vmdkObject = await bodyOf(
        await s3.send(
          new GetObjectCommand({ Bucket: bucket, Key: `exports/${vmdk.ExportImageTaskId}.vmdk` }),
        ),
      );
      const vmdkFile = join(scratch, 'exp.vmdk');
      writeFileSync(vmdkFile, vmdkObject);
      const info = JSON.parse(
        execFileSync('qemu-img', ['info', '--output=json', vmdkFile], { encoding: 'utf8' }),
      ) as { format: string; 'format-specific'?: { data?: { 'create-type'?: string } } };
      assert.equal(info.format, 'vmdk');
      assert.equal(info['format-specific']?.data?.['create-type'], 'streamOptimized');

      // The VMDK imported again comes back as the same bytes (qemu-img rounds the virtual size up to 512).
      const again = await importBytes(R1, 'again.vmdk', vmdkObject, 'VMDK');
      assert.equal(again.seen.at(-1)!.Status, 'completed');
      const image2 = await registerFrom(ec2, again.seen.at(-1)!.SnapshotId!, 'gimming-again');
      const raw2 = await ec2.send(
        new ExportImageCommand({
          ImageId: image2,
          DiskImageFormat: 'RAW',
          S3ExportLocation: { S3Bucket: bucket },
        }),
      );
      await exportToEnd(ec2, raw2.ExportImageTaskId!);
      const back = await bodyOf(
        await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${raw2.ExportImageTaskId}.raw` })),
      );
      assert.equal(sha256(back), sha256(bytes));
    });

    it('copies an image between regions: pending, then available, with its tags and a snapshot of its own', async function () {
      const bytes = randomBytes(2 * 1024 * 1024);
      const { ec2, seen } = await importBytes(R1, 'copy.raw', bytes, 'RAW');
      const source = await registerFrom(ec2, seen.at(-1)!.SnapshotId!, 'gimming-copy-src');
      const dest = st.ec2('operator', R2);
      const copy = await dest.send(
        new CopyImageCommand({
          SourceImageId: source,
          SourceRegion: R1,
          Name: 'gimming-copy',
          CopyImageTags: true,
        }),
      );
      const states: string[] = [];
      let image;
      for (let i = 0; i < 200; i++) {
        image = (await dest.send(new DescribeImagesCommand({ ImageIds: [copy.ImageId!] }))).Images![0]!;
        states.push(image.State!);
        if (image.State !== 'pending') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(states[0], 'pending');
      assert.equal(states.at(-1), 'available');
      assert.ok(image);
      assert.deepEqual(image.Tags, [{ Key: 'gimming-id', Value: 'gimming-copy-src' }]);
      const snap = image.BlockDeviceMappings![0]!.Ebs!.SnapshotId!;
      assert.notEqual(snap, seen.at(-1)!.SnapshotId);
      assert.equal(
        (await dest.send(new DescribeSnapshotsCommand({ SnapshotIds: [snap] }))).Snapshots![0]!.State,
        'completed',
      );
      const missing = await failure(
        dest.send(
          new CopyImageCommand({ SourceImageId: 'ami-0123456789abcdef0', SourceRegion: R1, Name: 'nothing' }),
        ),
      );
      assert.equal(missing.name, 'InvalidAMIID.NotFound');
      // The copy's bytes are the source's.
      const exp = await dest.send(
        new ExportImageCommand({
          ImageId: copy.ImageId!,
          DiskImageFormat: 'RAW',
          S3ExportLocation: { S3Bucket: st.bucket('operator', R2) },
        }),
      );
      await exportToEnd(dest, exp.ExportImageTaskId!);
      const back = await bodyOf(
        await st
          .s3('operator', R2)
          .send(
            new GetObjectCommand({ Bucket: st.bucket('operator', R2), Key: `${exp.ExportImageTaskId}.raw` }),
          ),
      );
      assert.equal(sha256(back), sha256(bytes));
    });
  });

  describe('fault injection', function () {
    it('fails an action N times in one region only, with the given code', async function () {
      await st.control('POST', 'faults', {
        action: 'DescribeImages',
        region: R1,
        count: 2,
        code: 'RequestLimitExceeded',
        message: 'Request limit exceeded.',
      });
      const ec2 = st.ec2('operator', R1);
      for (let i = 0; i < 2; i++) {
        const e = await failure(ec2.send(new DescribeImagesCommand({ Owners: ['self'] })));
        assert.equal(e.name, 'RequestLimitExceeded');
        assert.equal(e.$metadata.httpStatusCode, 503);
        assert.equal(e.message, 'Request limit exceeded.');
      }
      await ec2.send(new DescribeImagesCommand({ Owners: ['self'] }));
      await st.control('POST', 'faults', { action: 'DescribeImages', region: R1, code: 'InternalError' });
      await st.ec2('operator', R2).send(new DescribeImagesCommand({ Owners: ['self'] }));
      await st.control('POST', 'faults', {
        service: 's3',
        action: 'UploadPart',
        code: 'SlowDown',
        message: 'Please reduce your request rate.',
        status: 503,
      });
      const pending = (await st.control('GET', 'faults')) as { calls: unknown[] };
      assert.equal(pending.calls.length, 2, 'the faults not yet used are still pending');
    });

    it('ends an import task failed with the given StatusMessage', async function () {
      await st.control('POST', 'faults', {
        task: 'import',
        region: R1,
        statusMessage: 'ClientError: Disk validation failed [Invalid VMDK]',
      });
      const { seen } = await importBytes(R1, 'fault.raw', randomBytes(1024 * 1024), 'RAW');
      assert.equal(seen.at(-1)!.Status, 'deleted');
      assert.equal(seen.at(-1)!.StatusMessage, 'ClientError: Disk validation failed [Invalid VMDK]');
      const next = await importBytes(R1, 'fault2.raw', randomBytes(1024 * 1024), 'RAW');
      assert.equal(next.seen.at(-1)!.Status, 'completed', 'the fault was used once');
    });
  });

  describe('S3 multipart uploads (lib-storage)', function () {
    it('completes a multipart upload, and an aborted one leaves no upload behind', async function () {
      const s3 = st.s3('project', R2);
      const bucket = st.bucket('project', R2);
      const bytes = randomBytes(12 * 1024 * 1024);
      await new Upload({
        client: s3,
        params: { Bucket: bucket, Key: 'multi.raw', Body: Readable.from([bytes]) },
        partSize: 5 * 1024 * 1024,
        queueSize: 2,
      }).done();
      const got = await bodyOf(await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'multi.raw' })));
      assert.equal(sha256(got), sha256(bytes));

      // A left-over upload is listed (so the check below can fail), and AbortMultipartUpload removes it.
      const left = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'left.raw' }));
      assert.deepEqual(
        (await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads?.map((u) => u.Key),
        ['left.raw'],
      );
      await s3.send(
        new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'left.raw', UploadId: left.UploadId }),
      );
      const again = await failure(
        s3.send(
          new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'left.raw', UploadId: left.UploadId }),
        ),
      );
      assert.equal(again.name, 'NoSuchUpload');

      // lib-storage aborts its upload when the source fails after the first part went up.
      async function* failing() {
        yield randomBytes(6 * 1024 * 1024);
        await new Promise((r) => setTimeout(r, 300));
        throw new Error('source broke');
      }
      const up = new Upload({
        client: s3,
        params: { Bucket: bucket, Key: 'broken.raw', Body: Readable.from(failing()) },
        partSize: 5 * 1024 * 1024,
        leavePartsOnError: false,
      });
      await assert.rejects(up.done(), /source broke/);
      assert.equal((await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads, undefined);
      const state = await st.state(R2);
      assert.deepEqual(state.multipartUploads, []);
      assert.deepEqual(
        state.objects.filter((o) => o.bucket === bucket).map((o) => o.key),
        ['multi.raw'],
      );
    });

    it('injects an S3 failure into UploadPart', async function () {
      await st.control('POST', 'faults', {
        service: 's3',
        action: 'UploadPart',
        code: 'SlowDown',
        message: 'Please reduce your request rate.',
        status: 503,
      });
      const s3 = st.s3('project', R1);
      const bucket = st.bucket('project', R1);
      const up = new Upload({
        client: s3,
        params: { Bucket: bucket, Key: 'slow.raw', Body: randomBytes(11 * 1024 * 1024) },
        partSize: 5 * 1024 * 1024,
      });
      await assert.rejects(up.done(), (e: Error) => e.name === 'SlowDown');
      assert.deepEqual((await st.state(R1)).multipartUploads, [], 'lib-storage aborted the upload');
    });
  });
});
