/**
 * The webhook samples of the API reference (webhooks-*.json): a receiver of this script on loopback, a
 * webhook registered for it, listed, shown, pinged (the ping delivered), its deliveries, errors, and its
 * deletion. Called by capture.ts (npm run gen:api-samples) and by capture-webhooks.ts on its own.
 */
import assert from 'node:assert/strict';
import { type Server, createServer } from 'node:http';
import { type Reply, http, waitFor } from '../../tests/support/http';

/** The daemons' config for it: the receiver's loopback address allowed, an encryption key, fast retries. */
export function webhookConfig(encryptionKey: string): string {
  return (
    `[webhooks]\nencryption_keys = ${encryptionKey}\nallowed_private_networks = 127.0.0.0/8\n` +
    'retry_delay = 1\nretry_max_delay = 2\nmax_attempts = 3\n'
  );
}

/** A receiver that answers every delivery 204. */
export function webhookReceiver(port: number): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

export async function captureWebhooks(ctx: {
  api: string;
  token: string;
  receiverUrl: string;
  write: (name: string, value: unknown) => void;
  expect: (res: Reply, status: number, name?: string) => any;
}): Promise<void> {
  const { api, token, write, expect } = ctx;
  const call = (method: string, path: string, json?: unknown) =>
    http(method, `${api}${path}`, { token, ...(json !== undefined ? { json } : {}) });
  const create = {
    name: 'ci-pipeline',
    url: `${ctx.receiverUrl}/gimming-events`,
    event_types: ['image.*', 'gimming.image.sync.*'],
  };
  write('webhooks-create-request.json', create);
  const hook = expect(await call('POST', '/v1/webhooks', create), 201, 'webhooks-create');
  expect(
    await call('POST', '/v1/webhooks', { url: 'http://169.254.169.254/latest/meta-data' }),
    400,
    'webhooks-create-400',
  );
  expect(await call('GET', '/v1/webhooks'), 200, 'webhooks-list');
  expect(await call('GET', `/v1/webhooks/${hook.id}`), 200, 'webhooks-show');
  expect(await call('GET', '/v1/webhooks/00000000-0000-4000-8000-000000000000'), 404, 'webhooks-show-404');
  const ping = expect(await call('POST', `/v1/webhooks/${hook.id}/ping`), 202, 'webhooks-ping');
  await waitFor('the ping delivered', async () => {
    const res = await call('GET', `/v1/webhooks/${hook.id}/deliveries?status=delivered`);
    return (res.body?.deliveries as any[] | undefined)?.some((d) => d.id === ping.id) ? true : undefined;
  });
  expect(await call('GET', `/v1/webhooks/${hook.id}/deliveries`), 200, 'webhooks-deliveries-list');
  expect(
    await call('GET', `/v1/webhooks/${hook.id}/deliveries?status=lost`),
    400,
    'webhooks-deliveries-list-400',
  );
  const deleted = await call('DELETE', `/v1/webhooks/${hook.id}`);
  assert.equal(deleted.status, 204, deleted.text);
}
