/**
 * Calls the AWS stand-in's tests share: the error a call must end with, raw parameters no SDK input can
 * send, polling an import or export task to its end, importing bytes and registering an AMI.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeExportImageTasksCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeImportSnapshotTasksCommand,
  type EC2Client,
  ImportSnapshotCommand,
  RegisterImageCommand,
  type SnapshotTaskDetail,
} from '@aws-sdk/client-ec2';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { AwsStandin } from './aws-standin';

export const R1 = 'us-east-1';
export const R2 = 'eu-west-1';

export interface AwsFailure {
  name: string;
  message: string;
  $metadata: { httpStatusCode?: number };
}

/** The service error a call ends with (the test fails if it succeeds). */
export async function failure(p: Promise<unknown>): Promise<AwsFailure> {
  try {
    await p;
  } catch (e) {
    return e as AwsFailure;
  }
  assert.fail('the call succeeded; the stand-in should have refused it');
}

/** Adds raw form parameters to every request of a client before it is signed (what no SDK input can). */
export function withExtraForm(client: EC2Client, extra: string): EC2Client {
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

export function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

export async function bodyOf(s: { Body?: unknown }): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s.Body as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

/** Polls an import task to its end, returning every detail seen on the way. */
export async function importToEnd(ec2: EC2Client, id: string): Promise<SnapshotTaskDetail[]> {
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

export async function exportToEnd(
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

/** Uploads bytes to an account's transfer bucket in a region and imports them as a snapshot there. */
export async function importBytes(
  st: AwsStandin,
  region: string,
  key: string,
  bytes: Buffer,
  format: 'RAW' | 'VMDK' | 'VHD',
  who: 'operator' | 'project' = 'operator',
) {
  const ec2 = st.ec2(who, region);
  await st
    .s3(who, region)
    .send(new PutObjectCommand({ Bucket: st.bucket(who, region), Key: key, Body: bytes }));
  const task = await ec2.send(
    new ImportSnapshotCommand({
      DiskContainer: {
        Format: format,
        UserBucket: { S3Bucket: st.bucket(who, region), S3Key: key },
      },
    }),
  );
  assert.match(task.ImportTaskId ?? '', /^import-snap-[0-9a-f]{17}$/);
  return { ec2, taskId: task.ImportTaskId!, seen: await importToEnd(ec2, task.ImportTaskId!) };
}

export async function registerFrom(ec2: EC2Client, snapshotId: string, name: string): Promise<string> {
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

/**
 * A user's own AMI in the operator's account, made as the AWS CLI would: the disk uploaded to the bucket
 * and imported as a snapshot, the object removed, the snapshot registered; no tag at all.
 */
export async function nativeAmi(
  st: AwsStandin,
  region: string,
  bytes: Buffer,
): Promise<{ amiId: string; snapshotId: string }> {
  const key = `uploads/native-${Date.now()}.raw`;
  const { ec2, seen } = await importBytes(st, region, key, bytes, 'RAW');
  const snapshotId = seen.at(-1)?.SnapshotId;
  assert.ok(snapshotId, JSON.stringify(seen.at(-1)));
  await st
    .s3('operator', region)
    .send(new DeleteObjectCommand({ Bucket: st.bucket('operator', region), Key: key }));
  const out = await ec2.send(
    new RegisterImageCommand({
      Name: `users-own-${Date.now()}`,
      Architecture: 'x86_64',
      RootDeviceName: '/dev/xvda',
      VirtualizationType: 'hvm',
      BlockDeviceMappings: [
        { DeviceName: '/dev/xvda', Ebs: { SnapshotId: snapshotId, DeleteOnTermination: true } },
      ],
    }),
  );
  assert.ok(out.ImageId);
  return { amiId: out.ImageId, snapshotId };
}

/** An AMI's tags, as EC2 describes them. */
export async function amiTags(
  st: AwsStandin,
  region: string,
  amiId: string,
): Promise<Record<string, string>> {
  const out = await st.ec2('operator', region).send(new DescribeImagesCommand({ ImageIds: [amiId] }));
  return Object.fromEntries((out.Images?.[0]?.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
}

export async function setAmiTag(
  st: AwsStandin,
  region: string,
  amiId: string,
  key: string,
  value: string,
): Promise<void> {
  await st
    .ec2('operator', region)
    .send(new CreateTagsCommand({ Resources: [amiId], Tags: [{ Key: key, Value: value }] }));
}

/** Deregisters an AMI and deletes its snapshot. */
export async function removeAmi(st: AwsStandin, region: string, amiId: string, snapshotId: string) {
  const ec2 = st.ec2('operator', region);
  await ec2.send(new DeregisterImageCommand({ ImageId: amiId }));
  await ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId }));
}

/**
 * An AMI an account makes itself, as any AWS tool would with its key: the bytes imported through its
 * bucket (the object deleted after), registered, and tagged with the proof of its bytes that GIMinG's
 * agents write on the AMIs they make (gimming_proof), which is what lets GIMinG verify copies of it.
 */
export async function provenAmi(
  st: AwsStandin,
  who: 'operator' | 'project',
  region: string,
  name: string,
  bytes: Buffer,
): Promise<{ amiId: string; snapshotId: string }> {
  const key = `own/${randomBytes(6).toString('hex')}.raw`;
  const { ec2, seen } = await importBytes(st, region, key, bytes, 'RAW', who);
  await st.s3(who, region).send(new DeleteObjectCommand({ Bucket: st.bucket(who, region), Key: key }));
  const snapshotId = seen.at(-1)?.SnapshotId ?? '';
  const amiId = await registerFrom(ec2, snapshotId, name);
  const hex = (algo: string) => createHash(algo).update(bytes).digest('hex');
  const proof = `v1 size=${bytes.length} sha512=${hex('sha512')} md5=${hex('md5')}`;
  await ec2.send(
    new CreateTagsCommand({ Resources: [amiId], Tags: [{ Key: 'gimming_proof', Value: proof }] }),
  );
  return { amiId, snapshotId };
}

/** Who may launch an AMI (account IDs, `group:all`), as EC2 tells its owner, sorted. */
export async function launchPermissions(
  st: AwsStandin,
  who: 'operator' | 'project',
  region: string,
  amiId: string,
): Promise<string[]> {
  const out = await st
    .ec2(who, region)
    .send(new DescribeImageAttributeCommand({ ImageId: amiId, Attribute: 'launchPermission' }));
  return (out.LaunchPermissions ?? []).map((p) => p.UserId ?? `group:${p.Group ?? ''}`).sort();
}

/** The owner of an AMI as an account sees it (DescribeImages by ID); undefined when it may not see it. */
export async function ownerSeenBy(
  st: AwsStandin,
  who: 'operator' | 'project',
  region: string,
  amiId: string,
): Promise<string | undefined> {
  try {
    const out = await st.ec2(who, region).send(new DescribeImagesCommand({ ImageIds: [amiId] }));
    return out.Images?.[0]?.OwnerId;
  } catch (err) {
    if ((err as AwsFailure).name === 'InvalidAMIID.NotFound') return undefined;
    throw err;
  }
}
