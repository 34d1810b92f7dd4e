import assert from 'node:assert/strict';
import {
  keystoneAuthBody,
  parseCloudAuth,
  parseCloudAuthMap,
} from '../../../src/common/cloud-credentials/auth';
import { CredentialSeal } from '../../../src/common/cloud-credentials/seal';
import { GimmingError } from '../../../src/common/errors';

const SECRET_A = 'a'.repeat(64);
const SECRET_B = 'b'.repeat(64);
const PASSWORD = 'correct-horse-battery-staple';

describe('cloud credentials', () => {
  describe('sealing', () => {
    it('opens what it sealed, and the blob does not show the value', () => {
      const seal = new CredentialSeal([SECRET_A]);
      const blob = seal.seal({ cloud: { password: PASSWORD } }, 60);
      assert.ok(!blob.includes(PASSWORD));
      assert.ok(
        !Buffer.from(blob.split('.')[2] as string, 'base64url')
          .toString('latin1')
          .includes(PASSWORD),
      );
      assert.deepEqual(seal.open(blob), { cloud: { password: PASSWORD } });
    });

    it('opens with any configured secret (rotation), not with another one', () => {
      const blob = new CredentialSeal([SECRET_A]).seal('x', 60);
      assert.equal(new CredentialSeal([SECRET_B, SECRET_A]).open(blob), 'x');
      assert.equal(new CredentialSeal([SECRET_B]).open(blob), undefined);
    });

    it('refuses an expired or altered blob', () => {
      const seal = new CredentialSeal([SECRET_A]);
      const now = Date.now();
      const blob = seal.seal('x', 60, now);
      assert.equal(seal.open(blob, now + 61_000), undefined);
      const data = Buffer.from(blob.split('.')[2] as string, 'base64url');
      data[20] = (data[20] as number) ^ 1;
      assert.equal(
        seal.open(`${blob.split('.').slice(0, 2).join('.')}.${data.toString('base64url')}`),
        undefined,
      );
      assert.equal(seal.open('v1.nope.nope'), undefined);
    });

    it('cannot seal without a secret', () => {
      assert.throws(() => new CredentialSeal([]).seal('x', 60), /credentials_ref/);
    });
  });

  describe('parsing', () => {
    it('takes an application credential or a password', () => {
      assert.deepEqual(
        parseCloudAuth({ application_credential_id: 'i', application_credential_secret: 's' }, ''),
        {
          application_credential_id: 'i',
          application_credential_secret: 's',
        },
      );
      assert.equal(parseCloudAuth({ username: 'u', password: 'p', project_name: 'x' }, '').username, 'u');
    });

    it('refuses incomplete or unknown fields without quoting a value', () => {
      for (const bad of [
        { password: PASSWORD },
        { application_credential_secret: PASSWORD },
        { username: 'u', password: PASSWORD, token: PASSWORD },
        { username: 'u', password: 5 },
        'nope',
      ]) {
        assert.throws(
          () => parseCloudAuth(bad, 'for cloud c'),
          (err: unknown) =>
            err instanceof GimmingError && err.status === 400 && !err.message.includes(PASSWORD),
        );
      }
      assert.throws(() => parseCloudAuthMap({}), GimmingError);
      assert.throws(() => parseCloudAuthMap([]), GimmingError);
    });

    it('makes Keystone token requests', () => {
      assert.deepEqual(
        keystoneAuthBody({ application_credential_id: 'i', application_credential_secret: 's' }),
        {
          auth: {
            identity: {
              methods: ['application_credential'],
              application_credential: { secret: 's', id: 'i' },
            },
          },
        },
      );
      assert.deepEqual(keystoneAuthBody({ username: 'u', password: 'p', project_name: 'x' }), {
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: 'u', password: 'p', domain: { name: 'Default' } } },
          },
          scope: { project: { name: 'x', domain: { name: 'Default' } } },
        },
      });
    });
  });
});
