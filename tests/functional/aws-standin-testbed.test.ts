/**
 * The test bed's own AWS stand-in (started by `testbed.sh up`, described in testbed.json): both accounts'
 * keys reach EC2 and their own transfer buckets in every region, not each other's, and each account may
 * assume the other's role. It leaves nothing behind (the objects it writes are deleted).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { DescribeImagesCommand, DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/nested-clients/sts';
import { bodyOf, failure, sha256 } from '../support/aws-standin-calls';
import { type TestbedAwsAccount, type TestbedAwsStandin, testbed } from '../support/testbed';

function keys(a: TestbedAwsAccount) {
  return { accessKeyId: a.access_key_id, secretAccessKey: a.secret_access_key };
}

describe("the test bed's AWS stand-in", function () {
  this.timeout(60000);
  let aws: TestbedAwsStandin;

  before(function () {
    this.timeout(300000);
    const bed = testbed();
    assert.ok(bed.aws_standin, 'testbed.json describes the AWS stand-in');
    aws = bed.aws_standin;
  });

  it('serves both accounts in every region, each in its own buckets', async function () {
    for (const region of aws.regions) {
      for (const who of ['operator', 'project'] as const) {
        const account = aws.accounts[who];
        const ec2 = new EC2Client({
          region,
          endpoint: aws.ec2_url,
          credentials: keys(account),
          maxAttempts: 1,
        });
        const regions = await ec2.send(new DescribeRegionsCommand({}));
        assert.deepEqual(regions.Regions?.map((r) => r.RegionName).sort(), [...aws.regions].sort());
        await ec2.send(new DescribeImagesCommand({ Owners: ['self'] }));
        const s3 = new S3Client({
          region,
          endpoint: aws.s3_url,
          credentials: keys(account),
          forcePathStyle: true,
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
          maxAttempts: 1,
        });
        const bucket = account.buckets[region]!;
        const key = `testbed-check/${randomBytes(8).toString('hex')}`;
        const body = randomBytes(4096);
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
        assert.equal(
          sha256(await bodyOf(await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })))),
          sha256(body),
        );
        await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
        const other = aws.accounts[who === 'operator' ? 'project' : 'operator'].buckets[region]!;
        const denied = await failure(s3.send(new PutObjectCommand({ Bucket: other, Key: key, Body: body })));
        assert.equal(denied.name, 'AccessDenied');
      }
    }
  });

  it("lets each account assume the other's role", async function () {
    for (const [who, other] of [
      ['project', 'operator'],
      ['operator', 'project'],
    ] as const) {
      const sts = new STSClient({
        region: aws.regions[0],
        endpoint: aws.sts_url,
        credentials: keys(aws.accounts[who]),
        maxAttempts: 1,
      });
      const out = await sts.send(
        new AssumeRoleCommand({ RoleArn: aws.accounts[other].role_arn, RoleSessionName: 'testbed-check' }),
      );
      assert.match(
        out.AssumedRoleUser?.Arn ?? '',
        new RegExp(`^arn:aws:sts::${aws.accounts[other].account_id}:assumed-role/gimming/testbed-check$`),
      );
    }
  });
});
