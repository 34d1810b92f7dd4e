/**
 * A project aws cloud's credentials: an access key with an optional session token or role, checked
 * without ever echoing a value, and taken in X-Cloud-Credentials beside OpenStack `auth` sections.
 */
import assert from 'node:assert/strict';
import { parseAwsKey } from '../../../src/common/cloud-credentials/aws-key';
import { parseCloudAuthMap } from '../../../src/common/cloud-credentials/auth';
import { GimmingError } from '../../../src/common/errors';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const KEY = { access_key_id: 'AKIAIOSFODNN7EXAMPLE', secret_access_key: SECRET };

function refusedWithout(value: unknown, words: RegExp): void {
  assert.throws(
    () => parseAwsKey(value, 'for cloud ec2'),
    (err: unknown) => {
      assert.ok(err instanceof GimmingError);
      assert.equal(err.code, 'gimming.cloud.bad_credentials');
      assert.equal(err.status, 400);
      assert.match(err.message, words);
      assert.ok(!err.message.includes(SECRET), 'the secret key is never echoed');
      return true;
    },
  );
}

describe('AWS keys', () => {
  it('takes a key, with a session token or a role to assume', () => {
    assert.deepEqual(parseAwsKey(KEY, 'x'), KEY);
    const temporary = { ...KEY, access_key_id: 'ASIAIOSFODNN7EXAMPLE', session_token: 'FwoGZXIvYXdzE' };
    assert.deepEqual(parseAwsKey(temporary, 'x'), temporary);
    const role = { ...KEY, role_arn: 'arn:aws:iam::123456789012:role/gimming-import' };
    assert.deepEqual(parseAwsKey(role, 'x'), role);
    const gov = { ...KEY, role_arn: 'arn:aws-us-gov:iam::123456789012:role/path/to/r' };
    assert.deepEqual(parseAwsKey(gov, 'x'), gov);
  });

  it('refuses what is not one, naming the field, never the value', () => {
    refusedWithout('AKIA', /expected an object/);
    refusedWithout({ access_key_id: KEY.access_key_id }, /needs access_key_id and secret_access_key/);
    refusedWithout({ secret_access_key: SECRET }, /needs access_key_id and secret_access_key/);
    refusedWithout({ ...KEY, access_key_id: 'akia-lower' }, /access_key_id is not/);
    refusedWithout({ ...KEY, role_arn: 'arn:aws:iam::12:user/x' }, /role_arn is not/);
    refusedWithout({ ...KEY, region: 'us-east-1' }, /unknown field region/);
    refusedWithout({ ...KEY, secret_access_key: '' }, /secret_access_key must be a non-empty string/);
    refusedWithout({ ...KEY, session_token: 7 }, /session_token must be/);
  });

  it('X-Cloud-Credentials takes an AWS key for one cloud and an OpenStack auth for another', () => {
    const parsed = parseCloudAuthMap({
      'ec2-east': KEY,
      'zone-x': { application_credential_id: 'id', application_credential_secret: 's' },
    });
    assert.deepEqual(parsed['ec2-east'], KEY);
    assert.deepEqual(parsed['zone-x'], {
      application_credential_id: 'id',
      application_credential_secret: 's',
    });
    assert.throws(
      () => parseCloudAuthMap({ 'ec2-east': { access_key_id: 'AKIAIOSFODNN7EXAMPLE' } }),
      GimmingError,
    );
  });
});
