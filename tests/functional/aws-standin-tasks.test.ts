/**
 * The AWS stand-in's asynchronous side through the real AWS SDK clients: an import task moves (Progress,
 * StatusMessage) and completes with a snapshot that RegisterImage, DescribeImages, tags and launch
 * permissions then work on; a qcow2 fails with EC2's own message; a cancelled import leaves nothing; an
 * export returns the same bytes (RAW) or a streamOptimized VMDK of them; CopyImage copies between regions.
 * Each test file starts its own stand-in process; no shared test bed service is used.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CancelImportTaskCommand,
  CopyImageCommand,
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeImportSnapshotTasksCommand,
  DescribeSnapshotsCommand,
  DescribeTagsCommand,
  ExportImageCommand,
  ImportSnapshotCommand,
  ModifyImageAttributeCommand,
  ResetImageAttributeCommand,
} from '@aws-sdk/client-ec2';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { AwsStandin } from '../support/aws-standin';
import {
  R1,
  R2,
  bodyOf,
  exportToEnd,
  failure,
  importBytes,
  registerFrom,
  sha256,
} from '../support/aws-standin-calls';

describe('AWS stand-in tasks', function () {
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

  describe('import, images, tags and launch permissions', function () {
    it('imports asynchronously, then registers, describes, tags, shares and deletes', async function () {
      const bytes = randomBytes(6 * 1024 * 1024);
      const { ec2, seen } = await importBytes(st, R1, 'disks/one.raw', bytes, 'RAW');
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
        const { seen } = await importBytes(st, R1, `bad-${format}.qcow2`, readFileSync(qcow2), format);
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
      const { ec2, seen } = await importBytes(st, R1, 'exp.raw', bytes, 'RAW');
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
      const again = await importBytes(st, R1, 'again.vmdk', vmdkObject, 'VMDK');
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
      const { ec2, seen } = await importBytes(st, R1, 'copy.raw', bytes, 'RAW');
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
});
