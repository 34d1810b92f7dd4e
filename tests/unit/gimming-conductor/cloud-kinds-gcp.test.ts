/**
 * What a gcp cloud takes when it is registered: a Google Cloud project ID, a Cloud Storage bucket by
 * Google's rules, optionally a storage location and a family; no auth_url; credentials_ref only for a
 * project's cloud. Its options show on its view, and a project's gcp cloud needs credentials of its own.
 */
import assert from 'node:assert/strict';
import {
  checkCloudKind,
  gcsBucketNameProblem,
  needsOwnCredentials,
  withCloudOptions,
} from '../../../src/gimming-conductor/cloud-kinds';
import { GimmingError } from '../../../src/common/errors';
import type { CloudView, MethodArgs } from '../../../src/gimming-conductor/rpc-schemas';

type Args = MethodArgs<'create_cloud'>;
const gcp = (over: Partial<Args> = {}): Args => ({
  name: 'gce',
  type: 'gcp',
  region_name: 'global',
  project: 'gimming-operator',
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

describe('gcp cloud kind', () => {
  it('records project, bucket and the optional location and family as driver options', () => {
    assert.deepEqual(checkCloudKind(gcp(), false), {
      project: 'gimming-operator',
      bucket: 'gimming-transfers',
    });
    assert.deepEqual(checkCloudKind(gcp({ storage_location: 'europe-west1', family: 'debian-12' }), true), {
      project: 'gimming-operator',
      bucket: 'gimming-transfers',
      storage_location: 'europe-west1',
      family: 'debian-12',
    });
  });
  it('takes Cloud Storage bucket names by Google rules', () => {
    for (const ok of ['abc', 'my_bucket', 'a.b.c', `${'a'.repeat(63)}.b`])
      assert.equal(gcsBucketNameProblem(ok), null);
    for (const bad of ['ab', 'Upper', '-a1', 'a'.repeat(64), 'goog-x', 'my-google-b', '10.0.0.1', 'a b'])
      assert.notEqual(gcsBucketNameProblem(bad), null, bad);
  });
  it('refuses a missing or bad project', () => {
    refused(() => checkCloudKind(gcp({ project: undefined }), false), 'gimming.cloud.bad_project', /project/);
    for (const p of ['short', 'Upper-case-1', '1starts-digit', 'ends-with-', 'a'.repeat(31)])
      refused(() => checkCloudKind(gcp({ project: p }), false), 'gimming.cloud.bad_project', /project ID/);
  });
  it('refuses a missing or bad bucket', () => {
    refused(
      () => checkCloudKind(gcp({ bucket: undefined }), false),
      'gimming.cloud.bad_bucket',
      /Cloud Storage/,
    );
    refused(() => checkCloudKind(gcp({ bucket: 'goog1' }), false), 'gimming.cloud.bad_bucket', /goog/);
  });
  it('refuses a bad storage location and a bad family', () => {
    refused(
      () => checkCloudKind(gcp({ storage_location: 'US East' }), false),
      'gimming.cloud.bad_storage_location',
      /location/,
    );
    refused(
      () => checkCloudKind(gcp({ family: 'Debian_12' }), false),
      'gimming.cloud.bad_family',
      /GCE name/,
    );
  });
  it('refuses auth_url, and credentials_ref on a shared cloud', () => {
    refused(() => checkCloudKind(gcp({ auth_url: 'http://k/' }), true), 'gimming.cloud.bad_auth_url', /gcp/);
    refused(
      () => checkCloudKind(gcp({ credentials_ref: 'abc' }), false),
      'gimming.cloud.bad_scope',
      /application default credentials/,
    );
    assert.ok(checkCloudKind(gcp({ credentials_ref: 'abc' }), true));
  });
  it('other kinds take no gcp option', () => {
    refused(
      () =>
        checkCloudKind(
          { name: 'z', type: 'openstack', region_name: 'r', project: 'gimming-operator' },
          false,
        ),
      'gimming.cloud.bad_option',
      /project is an option of gcp clouds only/,
    );
    refused(
      () =>
        checkCloudKind(
          { name: 'e', type: 'aws', region_name: 'us-east-1', bucket: 'b-1x', family: 'debian' },
          false,
        ),
      'gimming.cloud.bad_option',
      /family/,
    );
  });
  it('shows its options on its view; a project gcp cloud needs its own credentials', () => {
    const view = {
      id: 'c',
      name: 'gce',
      type: 'gcp',
      credentials_ref: null,
      agents_up: 1,
    } as unknown as CloudView;
    const options = JSON.stringify({ project: 'gimming-tenant', bucket: 'b-1x', family: 'debian' });
    const shown = withCloudOptions(view, { type: 'gcp', options });
    assert.equal(shown.project, 'gimming-tenant');
    assert.equal(shown.bucket, 'b-1x');
    assert.equal(shown.family, 'debian');
    assert.equal(shown.storage_location, '');
    assert.equal(needsOwnCredentials({ type: 'gcp', scope: 'project', authUrl: null }), true);
    assert.equal(needsOwnCredentials({ type: 'gcp', scope: 'shared', authUrl: null }), false);
  });
});
