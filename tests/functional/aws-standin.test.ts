/**
 * The AWS stand-in (tools/aws-standin) through the real AWS SDK clients: it refuses what EC2, STS and S3
 * would refuse (parameters the botocore model does not have, missing required ones, values outside the
 * model's enums or types, bad signatures, unknown keys, temporary keys without their token), injects the
 * faults a test asks for, and leaves no multipart upload behind an aborted lib-storage upload. The tasks
 * (import, export, copy) are in aws-standin-tasks.test.ts. Each file starts its own stand-in process; no
 * shared test bed service is used.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  DeleteSnapshotCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeRegionsCommand,
  DescribeSnapshotsCommand,
  RegisterImageCommand,
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
import { R1, R2, bodyOf, failure, importBytes, sha256, withExtraForm } from '../support/aws-standin-calls';

describe('AWS stand-in', function () {
  this.timeout(120000);
  let st: AwsStandin;

  before(async function () {
    this.timeout(60000);
    st = new AwsStandin({ minDurationMs: 1500, tickMs: 100 });
    await st.start();
  });

  after(async function () {
    if (st) await st.stop();
  });

  afterEach(async function () {
    await st.control('DELETE', 'faults');
  });

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
      const { seen } = await importBytes(st, R1, 'fault.raw', randomBytes(1024 * 1024), 'RAW');
      assert.equal(seen.at(-1)!.Status, 'deleted');
      assert.equal(seen.at(-1)!.StatusMessage, 'ClientError: Disk validation failed [Invalid VMDK]');
      const next = await importBytes(st, R1, 'fault2.raw', randomBytes(1024 * 1024), 'RAW');
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
