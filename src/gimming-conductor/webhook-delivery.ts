/**
 * Sends the deliveries the outbox recorded (webhook-outbox.ts): every conductor looks for due ones every
 * `[webhooks] scan_interval`, takes a batch with one conditional UPDATE that sets its lease (on the
 * database's clock, as tasks are taken: db/clock.ts), and POSTs each body signed with its webhook's
 * secret. A 2xx answer delivers it; anything else (another status, no answer in `[webhooks] timeout`, a
 * URL that now resolves to a refused address) is tried again after an exponential wait with jitter, until
 * `[webhooks] max_attempts`. A conductor that stops mid-delivery leaves its lease to run out: another
 * conductor sends the delivery again, so a receiver may see one twice (it has `delivery_id` to tell).
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { type Backoff, backoffDelayMs } from '../common/backoff';
import { checkProjectCloudUrl, type Networks, type Resolver } from '../common/endpoint-filter';
import { describeError } from '../common/errors';
import { readBody, requestFailure, startRequest } from '../common/http/request';
import { getLogger } from '../common/log';
import { VERSION } from '../common/version';
import { DB_NOW, dbTimeIn } from './db/clock';
import { WebhookDeliveryRow, WebhookRow } from './db/webhook-entities';
import { SIGNATURE_HEADER, type WebhookSecrets, signBody } from './webhook-secrets';

const log = getLogger('conductor.webhooks');

export interface DeliverySettings {
  maxAttempts: number;
  backoff: Backoff;
  timeoutMs: number;
  scanIntervalMs: number;
  batchSize: number;
  networks: Networks;
}

/** What one attempt came to. */
interface Outcome {
  ok: boolean;
  status: number | null;
  error: string | null;
}

export class WebhookDelivery {
  private timer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly db: DataSource,
    private readonly secrets: WebhookSecrets,
    private readonly settings: DeliverySettings,
    private readonly resolve?: Resolver,
  ) {}

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.scanning = this.scan()
        .then(() => undefined)
        .catch((err: unknown) => log.warn({ reason: describeError(err) }, 'webhook delivery scan failed'))
        .finally(() => {
          this.scanning = undefined;
          if (!this.stopped) this.timer = setTimeout(tick, this.settings.scanIntervalMs);
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.scanning;
  }

  /** Takes the due deliveries (a batch) and sends them; answers how many were sent. */
  async scan(): Promise<number> {
    const token = randomUUID();
    // A lease longer than one attempt can take, so that nobody else sends it meanwhile.
    const leaseS = this.settings.timeoutMs / 1000 + 30;
    await this.db.query(
      `UPDATE webhook_deliveries SET lease_token = ?, lease_expires_at = ${DB_NOW} + INTERVAL ? MICROSECOND ` +
        `WHERE status = 'pending' AND next_attempt_at <= ${DB_NOW} ` +
        `AND (lease_expires_at IS NULL OR lease_expires_at < ${DB_NOW}) ORDER BY next_attempt_at LIMIT ?`,
      [token, Math.round(leaseS * 1e6), this.settings.batchSize],
    );
    const taken = await this.db
      .getRepository(WebhookDeliveryRow)
      .find({ where: { leaseToken: token }, order: { createdAt: 'ASC' } });
    // One webhook's deliveries go one after another, oldest first, so that a receiver sees its events
    // in the order they happened (unless one is retried); different webhooks are sent side by side.
    const byWebhook = new Map<string, WebhookDeliveryRow[]>();
    for (const d of taken) byWebhook.set(d.webhookId, [...(byWebhook.get(d.webhookId) ?? []), d]);
    await Promise.all(
      [...byWebhook.values()].map(async (queue) => {
        for (const d of queue) await this.deliver(d);
      }),
    );
    return taken.length;
  }

  private async deliver(delivery: WebhookDeliveryRow): Promise<void> {
    const hook = await this.db.getRepository(WebhookRow).findOneBy({ id: delivery.webhookId });
    if (!hook) {
      // The webhook was deleted since: nothing to send to.
      await this.db.getRepository(WebhookDeliveryRow).delete({ id: delivery.id });
      return;
    }
    const outcome = await this.attempt(hook, delivery).catch((err: unknown): Outcome => ({
      ok: false,
      status: null,
      error: describeError(err),
    }));
    const attempts = delivery.attempts + 1;
    const done = outcome.ok || attempts >= this.settings.maxAttempts;
    const waitS = backoffDelayMs(this.settings.backoff, attempts) / 1000;
    await this.db
      .createQueryBuilder()
      .update(WebhookDeliveryRow)
      .set({
        attempts,
        status: outcome.ok ? 'delivered' : done ? 'failed' : 'pending',
        responseStatus: outcome.status,
        lastError: outcome.error ? outcome.error.slice(0, 1024) : null,
        leaseToken: null,
        leaseExpiresAt: null,
        ...(done ? {} : { nextAttemptAt: dbTimeIn(waitS) }),
        ...(outcome.ok ? { deliveredAt: () => DB_NOW } : {}),
        updatedAt: () => DB_NOW,
      })
      .where('id = :id AND lease_token = :token', { id: delivery.id, token: delivery.leaseToken })
      .execute();
    const fields = {
      webhook_id: hook.id,
      delivery_id: delivery.id,
      event_type: delivery.eventType,
      attempt: attempts,
      response_status: outcome.status,
    };
    if (outcome.ok) log.info(fields, 'webhook delivered');
    else if (done) log.warn({ ...fields, reason: outcome.error }, 'webhook delivery failed, no attempt left');
    else
      log.info(
        { ...fields, reason: outcome.error, retry_in_s: waitS },
        'webhook delivery will be tried again',
      );
  }

  /** One POST: the URL checked again (its name may resolve elsewhere now) and connected to as checked. */
  private async attempt(hook: WebhookRow, delivery: WebhookDeliveryRow): Promise<Outcome> {
    const checked = await checkProjectCloudUrl(hook.url, this.settings.networks, 'webhook URL', this.resolve);
    const secret = this.secrets.open(hook.secretSealed, hook.id, hook.owner);
    const body = Buffer.from(delivery.body, 'utf8');
    const req = startRequest({
      method: 'POST',
      url: checked.url,
      lookup: checked.lookup,
      timeoutMs: this.settings.timeoutMs,
      headers: {
        'Content-Type': 'application/json',
        'Content-Length': body.length,
        'User-Agent': `gimming-conductor/${VERSION}`,
        [SIGNATURE_HEADER]: signBody(secret, body),
        'X-Gimming-Event': delivery.eventType,
        'X-Gimming-Delivery': delivery.id,
        'X-Gimming-Webhook': hook.id,
      },
    });
    const answered = new Promise<Outcome>((resolve, reject) => {
      const deadline = setTimeout(() => {
        req.destroy(new Error(`no answer in ${this.settings.timeoutMs / 1000} s`));
      }, this.settings.timeoutMs);
      req.on('response', (res) => {
        // Read (a little of) the answer so the socket can be reused; never kept nor logged.
        void readBody(res, 64 * 1024)
          .catch(() => '')
          .finally(() => clearTimeout(deadline));
        const status = res.statusCode ?? 0;
        const ok = status >= 200 && status < 300;
        resolve({ ok, status, error: ok ? null : `the receiver answered HTTP ${status}` });
      });
      req.on('error', (err) => {
        clearTimeout(deadline);
        reject(requestFailure(req, err));
      });
    });
    req.end(body);
    return answered;
  }
}
