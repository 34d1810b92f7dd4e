/**
 * Token validation: requests that come together with one new token (the dashboard's first calls after a
 * login) share one call to Keystone; a revoked token (forget) is validated again.
 */
import assert from 'node:assert/strict';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KeystoneValidator } from '../../../src/common/keystone/validator';

describe('Keystone token validation', () => {
  let server: Server;
  let validations = 0;
  let validator: KeystoneValidator;

  before(async () => {
    const expires = new Date(Date.now() + 3600_000).toISOString();
    const token = (user: string) => ({
      token: {
        expires_at: expires,
        user: { id: `${user}-id`, name: user, domain: { id: 'default' } },
        project: { id: 'p-id', name: 'p', domain: { id: 'default' } },
        roles: [{ id: 'r', name: 'member' }],
        catalog: [],
      },
    });
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.method === 'POST') {
          res.writeHead(201, { 'Content-Type': 'application/json', 'X-Subject-Token': 'service-token' });
          res.end(JSON.stringify(token('gimming')));
          return;
        }
        validations++;
        // Slow enough that the concurrent requests all arrive while this one is under way.
        setTimeout(() => {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(token('demo')));
        }, 100);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    validator = new KeystoneValidator({
      auth_url: `http://127.0.0.1:${port}/v3`,
      username: 'gimming',
      password: 'secret',
      project_name: 'service',
      user_domain_name: 'Default',
      project_domain_name: 'Default',
      token_cache_time: 30,
      http_connect_timeout: 5,
    } as never);
  });

  after(() => server.close());

  it('validates a new token once for requests that come together', async () => {
    const identities = await Promise.all(Array.from({ length: 5 }, () => validator.validate('user-token')));
    assert.equal(validations, 1);
    assert.ok(identities.every((i) => i.user_name === 'demo'));
    await validator.validate('user-token');
    assert.equal(validations, 1, 'then from the cache');
  });

  it('validates again a token it was told to forget', async () => {
    validator.forget('user-token');
    await validator.validate('user-token');
    assert.equal(validations, 2);
  });
});
