/**
 * Webhooks through the real daemons: a real HTTP receiver on loopback (allowed explicitly with
 * `[webhooks] allowed_private_networks`), registered with the CLI. The receiver checks every delivery's
 * HMAC-SHA256 signature with the secret shown once at creation, answers the first one 500 (so it must
 * come again, with backoff), and must then see the events of an adoption and its sync to the other Glance
 * zone. A delivery recorded while the receiver is down survives a SIGKILL of the conductor. URLs to
 * addresses that are not allowed (a metadata service, a private network) are refused; the secret is not
 * kept in clear in the database nor written to a log.
 */
import assert from 'node:assert/strict';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { type IncomingMessage, type Server, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gimming } from '../support/cli';
import type { DaemonSet } from '../support/daemons';
import { waitForTasks } from '../support/flows';
import { http, waitFor } from '../support/http';
import type { Glance, Token } from '../support/openstack';
import { useStack } from '../support/stack';

/** Helper 5's port range (19500-19599). */
const RECEIVER_PORT = 19500;

interface Delivery {
  headers: IncomingMessage['headers'];
  raw: string;
  body: any;
  signatureOk: boolean;
  answered: number;
}

describe('webhooks', function () {
  this.timeout(300000);
  const encryptionKey = randomBytes(32).toString('hex');
  const stack = useStack({
    extraConfig:
      `[webhooks]\nencryption_keys = ${encryptionKey}\nallowed_private_networks = 127.0.0.0/8\n` +
      'retry_delay = 1\nretry_max_delay = 2\nmax_attempts = 5\n',
  });
  let api: string;
  let demo: Token;
  let daemons: DaemonSet;
  let glanceA: Glance;
  let home: string;
  let server: Server;
  let secret = '';
  /** What the receiver answers next: each call takes the first status, the last one stays. */
  let answers: number[] = [500, 200];
  const received: Delivery[] = [];

  before(async () => {
    ({ api, demo, daemons } = stack);
    glanceA = stack.glance('zone-a');
    home = mkdtempSync(join(tmpdir(), 'gimming-webhooks-'));
    server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (p: Buffer) => parts.push(p));
      req.on('end', () => {
        const raw = Buffer.concat(parts);
        const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`);
        const given = Buffer.from(String(req.headers['x-gimming-signature'] ?? ''));
        const signatureOk = given.length === expected.length && timingSafeEqual(given, expected);
        const answered = answers.length > 1 ? (answers.shift() as number) : (answers[0] as number);
        received.push({
          headers: req.headers,
          raw: raw.toString('utf8'),
          body: JSON.parse(raw.toString('utf8')),
          signatureOk,
          answered,
        });
        res.writeHead(signatureOk ? answered : 401).end();
      });
    });
    await new Promise<void>((r) => server.listen(RECEIVER_PORT, '127.0.0.1', r));
  });

  after(async () => {
    await new Promise((r) => server.close(r));
    rmSync(home, { recursive: true, force: true });
  });

  const cli = (args: string[]) => gimming(stack, demo, home, args);
  let hookId = '';

  it('refuses URLs to addresses a webhook may not reach', async () => {
    for (const url of [
      'http://169.254.169.254/latest/meta-data',
      'http://10.1.2.3/hook',
      'http://[::1]:80/',
    ]) {
      const res = await http('POST', `${api}/v1/webhooks`, { token: demo.id, json: { url } });
      assert.equal(res.status, 400, `${url}: ${res.text}`);
      assert.equal(res.body.error.code, 'gimming.webhook.url_refused', res.text);
      assert.match(res.body.error.message, /\[webhooks\] allowed_private_networks/);
    }
    const bad = await http('POST', `${api}/v1/webhooks`, {
      token: demo.id,
      json: { url: `http://127.0.0.1:${RECEIVER_PORT}/`, event_types: ['image/*'] },
    });
    assert.equal(bad.status, 400, bad.text);
  });

  it('registers a webhook with the CLI, showing its secret once and keeping it encrypted', async () => {
    const run = await cli([
      'webhook',
      'create',
      `http://127.0.0.1:${RECEIVER_PORT}/hook`,
      '--name',
      'receiver',
      '--event-type',
      'image.*',
      '-f',
      'json',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const hook = JSON.parse(run.stdout);
    assert.equal(hook.name, 'receiver');
    assert.equal(hook.event_types, 'image.*');
    assert.equal(hook.project_id, demo.projectId);
    assert.match(hook.secret, /^[A-Za-z0-9_-]{43}$/);
    secret = hook.secret;
    hookId = hook.id;
    const shown = await http('GET', `${api}/v1/webhooks/${hookId}`, { token: demo.id });
    assert.equal(shown.status, 200);
    assert.equal(shown.body.secret, undefined, 'the secret is shown only at creation');
    const list = await cli(['webhook', 'list', '-f', 'json']);
    assert.equal(list.code, 0, list.stderr);
    assert.ok(JSON.parse(list.stdout).some((w: any) => w.ID === hookId));
    const rows = await stack.query<{ secret_sealed: string }>(
      'SELECT secret_sealed FROM webhooks WHERE id = ?',
      [hookId],
    );
    const sealed = rows[0]?.secret_sealed ?? '';
    assert.match(sealed, /^v1\.[0-9a-f]{8}\./);
    assert.ok(!sealed.includes(secret), 'the secret is not kept in clear');
  });

  it('delivers a ping, signed, again after the receiver answered 500', async () => {
    const ping = await http('POST', `${api}/v1/webhooks/${hookId}/ping`, { token: demo.id });
    assert.equal(ping.status, 202, ping.text);
    const deliveryId = ping.body.id as string;
    const done = await waitFor('the ping delivered', async () => {
      const res = await http('GET', `${api}/v1/webhooks/${hookId}/deliveries`, { token: demo.id });
      const d = (res.body.deliveries as any[]).find((x) => x.id === deliveryId);
      return d?.status === 'delivered' ? d : undefined;
    });
    assert.equal(done.attempts, 2);
    assert.equal(done.response_status, 200);
    const pings = received.filter((r) => r.body.delivery_id === deliveryId);
    assert.deepEqual(
      pings.map((p) => p.answered),
      [500, 200],
    );
    for (const p of pings) {
      assert.ok(p.signatureOk, 'HMAC-SHA256 of the body with the secret');
      assert.equal(p.headers['x-gimming-event'], 'gimming.webhook.ping');
      assert.equal(p.headers['x-gimming-delivery'], deliveryId);
      assert.equal(p.body.event_type, 'gimming.webhook.ping');
    }
  });

  it('delivers the events of an adoption and its sync, and only those the filter takes', async () => {
    const other = await http('POST', `${api}/v1/webhooks`, {
      token: demo.id,
      json: { url: `http://127.0.0.1:${RECEIVER_PORT}/errors`, event_types: ['*.error'] },
    });
    assert.equal(other.status, 201, other.text);
    const { image: source } = await glanceA.createWithData(64 * 1024);
    const created = await http('POST', `${api}/v1/images`, {
      token: demo.id,
      json: { source: { cloud: 'zone-a', image_id: source.id }, targets: [] },
    });
    assert.equal(created.status, 202, created.text);
    const id = created.body.id as string;
    const synced = await http('POST', `${api}/v1/images/${id}/sync`, {
      token: demo.id,
      json: { targets: ['zone-b'] },
    });
    assert.equal(synced.status, 202, synced.text);
    const [task] = await waitForTasks(api, demo.id, id);
    assert.equal(task?.status, 'succeeded', JSON.stringify(task?.error));
    const mine = await waitFor('the sync end delivered', async () => {
      const of = received.filter((r) => r.body.payload?.image_id === id && r.answered === 200);
      return of.some((r) => r.body.event_type === 'gimming.image.sync.end') ? of : undefined;
    });
    assert.deepEqual(
      mine.map((r) => r.body.event_type),
      ['gimming.image.create', 'gimming.image.sync.start', 'gimming.image.sync.end'],
    );
    for (const r of mine) {
      assert.ok(r.signatureOk);
      assert.equal(r.body.webhook_id, hookId);
      assert.equal(r.headers['x-gimming-webhook'], hookId);
      assert.equal(r.body.payload.owner, demo.projectId);
    }
    const end = mine[2]!.body;
    assert.equal(end.payload.cloud, 'zone-b');
    assert.equal(end.payload.task_id, task!.id);
    assert.match(end.timestamp, /^\d{4}-\d\d-\d\dT/);
    // The *.error webhook got none of it.
    const errors = await http('GET', `${api}/v1/webhooks/${other.body.id}/deliveries`, { token: demo.id });
    assert.equal(errors.status, 200);
    assert.deepEqual(errors.body.deliveries, []);
    assert.equal(
      (await http('DELETE', `${api}/v1/webhooks/${other.body.id}`, { token: demo.id })).status,
      204,
    );
  });

  it('loses no delivery when the conductor is killed while the receiver is down', async () => {
    answers = [503];
    const ping = await http('POST', `${api}/v1/webhooks/${hookId}/ping`, { token: demo.id });
    assert.equal(ping.status, 202, ping.text);
    const deliveryId = ping.body.id as string;
    await waitFor('a failed attempt', async () =>
      received.some((r) => r.body.delivery_id === deliveryId) ? true : undefined,
    );
    await daemons.restart('conductor', 'gimming-conductor', {});
    answers = [200];
    const done = await waitFor(
      'the delivery after the restart',
      async () => {
        const res = await http('GET', `${api}/v1/webhooks/${hookId}/deliveries?status=delivered`, {
          token: demo.id,
        });
        return res.status === 200
          ? (res.body.deliveries as any[]).find((d) => d.id === deliveryId)
          : undefined;
      },
      90000,
      500,
    );
    assert.ok(done.attempts >= 2, `attempts ${done.attempts}`);
    const cliRun = await cli(['webhook', 'deliveries', hookId, '--status', 'delivered', '-f', 'json']);
    assert.equal(cliRun.code, 0, cliRun.stderr);
    assert.ok(JSON.parse(cliRun.stdout).some((d: any) => d.ID === deliveryId));
  });

  it('writes no secret to the logs, and deletes the webhook with its history', async () => {
    for (const name of daemons.names) {
      assert.ok(!daemons.logText(name).includes(secret), `${name}'s log holds the webhook secret`);
      assert.ok(!daemons.logText(name).includes(encryptionKey), `${name}'s log holds the encryption key`);
    }
    const run = await cli(['webhook', 'delete', hookId]);
    assert.equal(run.code, 0, run.stderr);
    const gone = await http('GET', `${api}/v1/webhooks/${hookId}`, { token: demo.id });
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error.code, 'gimming.webhook.not_found');
  });
});
