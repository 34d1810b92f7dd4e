/**
 * What an aws cloud takes when it is registered: an AWS region code, an S3 bucket name by S3's rules,
 * no auth_url, credentials_ref only for a project's cloud; openstack clouds take no bucket. And the
 * bucket shows on aws clouds' views only.
 */
import assert from 'node:assert/strict';
import {
  bucketNameProblem,
  checkCloudKind,
  needsOwnCredentials,
  parseCloudOptions,
  withCloudOptions,
} from '../../../src/gimming-conductor/cloud-kinds';
import { GimmingError } from '../../../src/common/errors';
import type { CloudView, MethodArgs } from '../../../src/gimming-conductor/rpc-schemas';

type Args = MethodArgs<'create_cloud'>;
const aws = (over: Partial<Args> = {}): Args => ({
  name: 'ec2-east',
  type: 'aws',
  region_name: 'us-east-1',
  bucket: 'gimming-transfers',
  ...over,
});

function refused(fn: () => unknown, code: string, words: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof GimmingError);
    assert.equal(err.code, code);
    assert.equal(err.status, 400);
    assert.match(err.message, words);
    return true;
  });
}

describe('cloud kinds', () => {
  describe('S3 bucket names', () => {
    for (const ok of ['abc', 'gimming-transfers', 'my.bucket.1', '1bucket', 'a'.repeat(63)]) {
      it(`takes ${ok.length > 20 ? '63 characters' : ok}`, () => assert.equal(bucketNameProblem(ok), null));
    }
    const bad: Array<[string, RegExp]> = [
      ['ab', /3 to 63/],
      ['a'.repeat(64), /3 to 63/],
      ['My-Bucket', /lowercase/],
      ['under_score', /lowercase/],
      ['-start', /begin and end/],
      ['end.', /begin and end/],
      ['two..dots', /adjacent dots/],
      ['192.168.5.4', /IP address/],
      ['xn--bucket', /xn--/],
      ['sthree-bucket', /sthree-/],
      ['amzn-s3-demo-bucket', /amzn-s3-demo-/],
      ['bucket-s3alias', /-s3alias/],
      ['bucket--ol-s3', /--ol-s3/],
      ['bucket.mrap', /\.mrap/],
      ['bucket--x-s3', /--x-s3/],
      ['bucket--table-s3', /--table-s3/],
    ];
    for (const [name, why] of bad) {
      it(`refuses ${name.length > 20 ? '64 characters' : name}`, () => {
        assert.match(bucketNameProblem(name) ?? '', why);
      });
    }
  });

  describe('registering an aws cloud', () => {
    it('records the bucket as its driver option', () => {
      assert.deepEqual(checkCloudKind(aws(), false), { bucket: 'gimming-transfers' });
      assert.deepEqual(checkCloudKind(aws({ scope: 'project', credentials_ref: 'x' }), true), {
        bucket: 'gimming-transfers',
      });
    });

    for (const region of ['us-east-1', 'eu-central-2', 'us-gov-west-1', 'ap-southeast-5', 'cn-north-1']) {
      it(`takes region ${region}`, () => assert.ok(checkCloudKind(aws({ region_name: region }), false)));
    }
    for (const region of ['RegionOne', 'us-east', 'US-EAST-1', 'us_east_1', 'us-east-1a', 'east-1', '']) {
      it(`refuses region ${JSON.stringify(region)}`, () => {
        refused(
          () => checkCloudKind(aws({ region_name: region }), false),
          'gimming.cloud.bad_region',
          /us-east-1/,
        );
      });
    }

    it('refuses a bad bucket, and none', () => {
      refused(
        () => checkCloudKind(aws({ bucket: 'Bad_Bucket' }), false),
        'gimming.cloud.bad_bucket',
        /lowercase/,
      );
      const without = aws();
      delete without.bucket;
      refused(() => checkCloudKind(without, false), 'gimming.cloud.bad_bucket', /needs bucket/);
    });

    it('refuses auth_url, shared or project', () => {
      for (const project of [false, true]) {
        refused(
          () => checkCloudKind(aws({ auth_url: 'https://keystone.example/v3' }), project),
          'gimming.cloud.bad_auth_url',
          /takes no auth_url/,
        );
      }
    });

    it('refuses credentials_ref for a shared cloud', () => {
      refused(
        () => checkCloudKind(aws({ credentials_ref: 'x' }), false),
        'gimming.cloud.bad_scope',
        /project/,
      );
    });
  });

  it('an openstack cloud takes no bucket and records no option', () => {
    const openstack: Args = { name: 'zone-a', type: 'openstack', region_name: 'RegionOne' };
    assert.deepEqual(checkCloudKind(openstack, false), {});
    refused(() => checkCloudKind({ ...openstack, bucket: 'b-1' }, false), 'gimming.cloud.bad_option', /aws/);
  });

  it('reads recorded options, and nothing of an unreadable record', () => {
    assert.deepEqual(parseCloudOptions('{"bucket":"b-1"}'), { bucket: 'b-1' });
    assert.deepEqual(parseCloudOptions(null), {});
    assert.deepEqual(parseCloudOptions('not json'), {});
    assert.deepEqual(parseCloudOptions('["b"]'), {});
    assert.deepEqual(parseCloudOptions('{"bucket":1,"x":"y"}'), { x: 'y' });
  });

  it('shows the bucket on aws clouds only, after credentials_ref', () => {
    const view: CloudView = {
      id: 'c1',
      name: 'n',
      type: 'aws',
      region_name: 'us-east-1',
      zone: 'n',
      scope: 'shared',
      owner: null,
      auth_url: null,
      credentials_ref: null,
      agents_up: 0,
      capabilities: null,
      created_at: 't',
      updated_at: 't',
    };
    const shown = withCloudOptions(view, { type: 'aws', options: '{"bucket":"b-1"}' });
    assert.equal(shown.bucket, 'b-1');
    assert.deepEqual(Object.keys(shown).slice(8, 10), ['credentials_ref', 'bucket']);
    const openstack = { ...view, type: 'openstack' };
    assert.equal(withCloudOptions(openstack, { type: 'openstack', options: null }), openstack);
  });

  it("a project's aws cloud needs credentials of its own; a shared one does not", () => {
    assert.equal(needsOwnCredentials({ type: 'aws', scope: 'project', authUrl: null }), true);
    assert.equal(needsOwnCredentials({ type: 'aws', scope: 'shared', authUrl: null }), false);
    assert.equal(needsOwnCredentials({ type: 'openstack', scope: 'project', authUrl: null }), false);
    assert.equal(needsOwnCredentials({ type: 'openstack', scope: 'project', authUrl: 'https://k/v3' }), true);
  });
});
