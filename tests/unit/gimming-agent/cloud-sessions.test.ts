/**
 * Sessions with a project's own cloud, against a fake Keystone and Glance on loopback: the agent connects
 * only to the addresses it checked (so a DNS answer that changes later - rebinding - cannot move it), and
 * its session cache is bounded by bytes as well as by entries.
 *
 * The host name `cloud.rebind.test` is known to no DNS: a test resolver answers for it, once with the
 * checked address and with a forbidden one on any later question. A connection that asked DNS again
 * would fail (or be refused); only one made to the checked address reaches the fake cloud.
 */
import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { generateKeyPairSync } from 'node:crypto';
import {
  CredentialOpener,
  CredentialSealer,
  SealedCredentials,
} from '../../../src/common/cloud-credentials/seal';
import { RequestContext } from '../../../src/common/context';
import { parseNetworks, checkProjectCloudUrl } from '../../../src/common/endpoint-filter';
import { GimmingError } from '../../../src/common/errors';
import { requestToken } from '../../../src/common/keystone/tokens';
import { CloudSessions } from '../../../src/gimming-agent/cloud-sessions';
import type { CatalogEntry } from '../../../src/common/context';
import { GlanceClient } from '../../../src/gimming-agent/drivers/glance/client';
import { glanceEndpointIn } from '../../../src/gimming-agent/drivers/glance/endpoint';
import { FakeCloud, fakeImage, imageCatalog, json, tokenAnswer } from '../../support/fake-cloud';

const HOST = 'cloud.rebind.test';
const IMAGE_KEY = 'image\nRegionTwo\npublic';
const pickImage = (catalog: readonly CatalogEntry[]) => glanceEndpointIn(catalog, 'RegionTwo', 'public');
const networks = parseNetworks(['127.0.0.1/32'], 'x');

/** Answers 127.0.0.1 to the first question about each name, 127.0.0.2 (not allowed) afterwards. */
function rebindingResolver() {
  const asked: string[] = [];
  const resolve = async (host: string): Promise<LookupAddress[]> => {
    const again = asked.includes(host);
    asked.push(host);
    return [{ address: again ? '127.0.0.2' : '127.0.0.1', family: 4 }];
  };
  return { asked, resolve };
}

describe('sessions with a project cloud', () => {
  let cloud: FakeCloud;
  // The agents' key pair: the API seals for the public key, the agent opens with the private one.
  const keys = generateKeyPairSync('x25519');
  const sealer = new CredentialSealer(keys.publicKey);
  const seal = new CredentialOpener([keys.privateKey]);

  before(async () => {
    cloud = await new FakeCloud('127.0.0.1').start();
  });
  after(() => cloud.stop());

  const ref = (authUrl: string) => ({
    id: 'c1',
    name: 'hostile',
    type: 'openstack',
    region_name: 'RegionTwo',
    auth_url: authUrl,
    credentials_ref: '',
    options: {},
  });
  const ctx = (password: string) =>
    new RequestContext({
      request_id: 'req-00000000-0000-4000-8000-000000000000',
      roles: [],
      auth_token: 'caller-token',
      project_id: 'p1',
      cloud_credentials: SealedCredentials.of({
        c1: sealer.seal({ username: 'u', password }, { projectId: 'p1', cloudId: 'c1' }, 600),
      }),
    });

  it("gives a driver the credentials sealed for the cloud as they were given (an EC2 project cloud's keys)", async () => {
    const sessions = new CloudSessions(seal, { interface: 'public', regionName: 'r' }, 1000);
    const awsRef = { ...ref(''), type: 'aws' };
    const given = { access_key_id: 'AKIAEXAMPLE', secret_access_key: 's3cr3t' };
    const withKeys = new RequestContext({
      request_id: 'req-00000000-0000-4000-8000-000000000000',
      roles: [],
      project_id: 'p1',
      cloud_credentials: SealedCredentials.of({
        c1: sealer.seal(given, { projectId: 'p1', cloudId: 'c1' }, 600),
      }),
    });
    assert.deepEqual(await sessions.credentialValue(withKeys, awsRef), given);
    // Sealed for another project: refused, not handed on.
    const elsewhere = new RequestContext({
      request_id: 'req-00000000-0000-4000-8000-000000000000',
      roles: [],
      project_id: 'p2',
      cloud_credentials: SealedCredentials.of({
        c1: sealer.seal(given, { projectId: 'p1', cloudId: 'c1' }, 600),
      }),
    });
    await assert.rejects(
      sessions.credentialValue(elsewhere, awsRef),
      (err: unknown) => err instanceof GimmingError && err.code === 'gimming.cloud.credentials_expired',
    );
    // A shared cloud (no credentials of its own, none given): nothing.
    assert.equal(
      await sessions.credentialValue(
        new RequestContext({ request_id: 'req-00000000-0000-4000-8000-000000000000', roles: [] }),
        awsRef,
      ),
      undefined,
    );
  });

  it('connects to the checked address only, and does not ask DNS again', async () => {
    const { asked, resolve } = rebindingResolver();
    const checked = await checkProjectCloudUrl(`http://${HOST}:${cloud.port}/v3`, networks, 'x', resolve);
    assert.deepEqual(checked.addresses, [{ address: '127.0.0.1', family: 4 }]);
    // A second check would be refused: the name now points elsewhere.
    await assert.rejects(
      checkProjectCloudUrl(`http://${HOST}:${cloud.port}/v3`, networks, 'x', resolve),
      (err: unknown) => err instanceof GimmingError && err.code === 'gimming.cloud.endpoint_refused',
    );
    cloud.seen.length = 0;
    const res = await requestToken(checked.url, { auth: {} }, 5000, { lookup: checked.lookup });
    assert.ok('token' in res, JSON.stringify(res));
    assert.equal(cloud.seen.length, 1, 'the request reached the checked address');
    assert.equal(cloud.seen[0]!.host, `${HOST}:${cloud.port}`, 'with the name as the Host');
    assert.equal(asked.length, 2, 'the connection asked no DNS');
  });

  it("reaches the cloud's auth_url and image endpoint at the addresses checked", async () => {
    const { asked, resolve } = rebindingResolver();
    // The catalog names the image endpoint by another name, also known only to the test resolver.
    cloud.catalog = () => imageCatalog(`http://image.${HOST}:${cloud.port}`);
    cloud.glance = (req, res) =>
      req.url?.startsWith('/v2/images/')
        ? json(res, 200, fakeImage('i1'))
        : json(res, 200, { images: [fakeImage('i1')] });
    const sessions = new CloudSessions(
      seal,
      { interface: 'public', regionName: '' },
      5000,
      networks,
      undefined,
      {
        resolve,
      },
    );
    cloud.seen.length = 0;
    for (let i = 0; i < 3; i++) {
      const access = await sessions.endpointAccess(
        ctx('pw'),
        ref(`http://${HOST}:${cloud.port}/v3`),
        IMAGE_KEY,
        pickImage,
      );
      assert.ok(access);
      const glance = new GlanceClient({
        endpoint: access.endpoint,
        token: access.token,
        requestId: 'req-1',
        timeoutMs: 5000,
        cloudName: 'hostile',
        lookup: access.lookup,
      });
      assert.equal((await glance.listImages({}, 10)).length, 1);
      assert.equal((await glance.getImage('i1')).id, 'i1');
    }
    assert.deepEqual(asked, [HOST, `image.${HOST}`], 'each name resolved once');
    assert.equal(cloud.seen.filter((s) => s.url === '/v3/auth/tokens').length, 1, 'one session');
    assert.equal(cloud.seen.length, 7);
  });

  it('keeps sessions within a byte budget, whatever the size of their catalogs', async () => {
    const resolve = async (): Promise<LookupAddress[]> => [{ address: '127.0.0.1', family: 4 }];
    const padding = 'p'.repeat(4 * 1024 * 1024);
    cloud.tokenBody = (base) =>
      JSON.stringify(tokenAnswer([...imageCatalog(base), { type: 'padding', endpoints: [], padding }]));
    try {
      const maxBytes = 10 * 1024 * 1024;
      const sessions = new CloudSessions(
        seal,
        { interface: 'public', regionName: '' },
        5000,
        networks,
        undefined,
        {
          resolve,
          maxBytes,
        },
      );
      for (let i = 0; i < 6; i++) {
        assert.ok(
          await sessions.endpointAccess(ctx(`pw-${i}`), ref(`${cloud.url}/v3`), IMAGE_KEY, pickImage),
        );
        assert.ok(sessions.cached.bytes <= maxBytes, `${sessions.cached.bytes} bytes cached`);
      }
      assert.equal(sessions.cached.entries, 2, 'the two latest 4 MiB sessions');
      // One larger than the whole budget is used, and not kept.
      cloud.tokenBody = (base) =>
        JSON.stringify(tokenAnswer([...imageCatalog(base), { type: 'x', padding: padding.repeat(3) }]));
      assert.ok(await sessions.endpointAccess(ctx('big'), ref(`${cloud.url}/v3`), IMAGE_KEY, pickImage));
      assert.ok(sessions.cached.bytes <= maxBytes);
    } finally {
      cloud.tokenBody = undefined;
    }
  });
});
