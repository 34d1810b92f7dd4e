import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  keystoneAuthBody,
  parseCloudAuth,
  parseCloudAuthMap,
} from '../../../src/common/cloud-credentials/auth';
import {
  CredentialOpener,
  CredentialSealer,
  SealedCredentials,
} from '../../../src/common/cloud-credentials/seal';
import { GimmingError } from '../../../src/common/errors';

const PASSWORD = 'correct-horse-battery-staple';
const FOR = { projectId: 'p1', cloudId: '6f0c2d52-4d7e-4a61-9d4e-0b3f7d2a9c11' };

/** A key pair made with openssl, as an operator makes it: [private key file, public key file]. */
function keyPair(dir: string, name: string, algorithm: string[]): [string, string] {
  const priv = join(dir, `${name}.pem`);
  const pub = join(dir, `${name}.pub.pem`);
  execFileSync('openssl', ['genpkey', ...algorithm, '-out', priv], { stdio: 'ignore' });
  execFileSync('openssl', ['pkey', '-in', priv, '-pubout', '-out', pub], { stdio: 'ignore' });
  return [priv, pub];
}

describe('cloud credentials', () => {
  describe('sealing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gimming-seal-'));
    const [privA, pubA] = keyPair(dir, 'a', ['-algorithm', 'X25519']);
    const [privB] = keyPair(dir, 'b', ['-algorithm', 'X25519']);
    const [privEc, pubEc] = keyPair(dir, 'ec', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']);
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('opens with the private key what the public key sealed, and the blob does not show the value', () => {
      for (const [priv, pub] of [
        [privA, pubA],
        [privEc, pubEc],
      ] as const) {
        const blob = CredentialSealer.fromFile(pub).seal({ password: PASSWORD }, FOR, 60);
        assert.ok(!blob.includes(PASSWORD));
        assert.ok(
          !Buffer.from(blob.split('.')[2] as string, 'base64url')
            .toString('latin1')
            .includes(PASSWORD),
        );
        assert.deepEqual(CredentialOpener.fromFiles([priv]).open(blob, FOR)?.value, { password: PASSWORD });
      }
    });

    it('each blob is new: the same credentials never seal to the same blob', () => {
      const sealer = CredentialSealer.fromFile(pubA);
      assert.notEqual(sealer.seal('x', FOR, 60), sealer.seal('x', FOR, 60));
    });

    it('opens only for the project and the cloud ID it was sealed for', () => {
      const blob = CredentialSealer.fromFile(pubA).seal('x', FOR, 60);
      const opener = CredentialOpener.fromFiles([privA]);
      assert.equal(opener.open(blob, { ...FOR, projectId: 'p2' }), undefined);
      assert.equal(opener.open(blob, { ...FOR, cloudId: 'another-cloud' }), undefined);
      assert.equal(opener.open(blob, FOR)?.value, 'x');
    });

    it('opens with any configured private key (rotation), not with another one', () => {
      const blob = CredentialSealer.fromFile(pubA).seal('x', FOR, 60);
      assert.equal(CredentialOpener.fromFiles([privB, privA]).open(blob, FOR)?.value, 'x');
      assert.equal(CredentialOpener.fromFiles([privB]).open(blob, FOR), undefined);
      assert.equal(CredentialOpener.fromFiles([]).open(blob, FOR), undefined);
    });

    it('refuses an expired or altered blob', () => {
      const opener = CredentialOpener.fromFiles([privA]);
      const now = Date.now();
      const blob = CredentialSealer.fromFile(pubA).seal('x', FOR, 60, now);
      assert.equal(opener.open(blob, FOR, now + 59_000)?.expiresAt, now + 60_000);
      assert.equal(opener.open(blob, FOR, now + 61_000), undefined);
      const [v, id, body] = blob.split('.') as [string, string, string];
      const data = Buffer.from(body, 'base64url');
      for (const at of [5, data.length - 20, data.length - 1]) {
        const altered = Buffer.from(data);
        altered[at] = (altered[at] as number) ^ 1;
        assert.equal(
          opener.open(`${v}.${id}.${altered.toString('base64url')}`, FOR),
          undefined,
          `byte ${at}`,
        );
      }
      for (const bad of ['v2.nope.nope', 'v1.x.y', `${blob}.more`, '', `${v}.${id}.AA`]) {
        assert.equal(opener.open(bad, FOR), undefined, bad);
      }
    });

    it('cannot seal without a public key, and refuses what is not a key of the right kind', () => {
      assert.throws(() => CredentialSealer.fromFile(null).seal('x', FOR, 60), /credentials_ref/);
      assert.throws(() => CredentialSealer.fromFile(privA.replace('a.pem', 'none.pem')), /cannot read/);
      const rsa = keyPair(dir, 'rsa', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024']);
      assert.throws(() => CredentialSealer.fromFile(rsa[1]), /X25519, X448 or EC key/);
      const junk = join(dir, 'junk.pem');
      writeFileSync(junk, 'not a key');
      assert.throws(() => CredentialOpener.fromFiles([junk]), /not a PEM private key/);
    });

    it('the context holds blobs by cloud ID, never by name', () => {
      const text = SealedCredentials.of({ [FOR.cloudId]: 'v2.a.b' });
      assert.equal(SealedCredentials.parse(text).forCloud(FOR.cloudId), 'v2.a.b');
      assert.equal(SealedCredentials.parse(text).forCloud('toString'), undefined);
      assert.equal(SealedCredentials.parse('v1.legacy.blob').forCloud(FOR.cloudId), undefined);
      assert.equal(SealedCredentials.parse(undefined).forCloud(FOR.cloudId), undefined);
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
