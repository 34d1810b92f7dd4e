/**
 * The conductor's notifications, also for the webhooks of the project they are about: each notification
 * of an image owned by a project becomes one delivery row per webhook of that project whose event types
 * match (webhook-events.ts). The row is the outbox: webhook-delivery.ts sends it, and tries again, from
 * the database, so a conductor that stops loses no delivery already recorded.
 *
 * Recording never blocks nor fails the work that notifies (as sending a notification never does): a
 * failed insert is logged with the event type, and the notification still goes to the message bus.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { describeError } from '../common/errors';
import { getLogger } from '../common/log';
import type { Payload, Priority } from '../common/notifications';
import { dbTimeIn } from './db/clock';
import { WebhookDeliveryRow, WebhookRow } from './db/webhook-entities';
import { matchesAny } from './webhook-events';

const log = getLogger('conductor.webhooks');

/** A notification as a webhook receives it (the body that is signed). */
export interface WebhookEvent {
  delivery_id: string;
  webhook_id: string;
  message_id: string;
  event_type: string;
  priority: Priority;
  publisher_id: string;
  /** ISO 8601, UTC: when the conductor sent the notification. */
  timestamp: string;
  /** The notification's payload, as on the message bus. */
  payload: Payload;
}

/** Where notifications go besides the bus (ConductorNotifier calls it). */
export interface NotificationSink {
  notify(eventType: string, priority: Priority, payload: Payload): void;
}

export class WebhookOutbox implements NotificationSink {
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly db: DataSource,
    private readonly publisherId: string,
  ) {}

  notify(eventType: string, priority: Priority, payload: Payload): void {
    const owner = typeof payload.owner === 'string' ? payload.owner : null;
    if (!owner) return;
    const recorded = this.record(owner, eventType, priority, payload).catch((err: unknown) => {
      log.warn({ event_type: eventType, reason: describeError(err) }, 'webhook deliveries not recorded');
    });
    this.inFlight.add(recorded);
    void recorded.finally(() => this.inFlight.delete(recorded));
  }

  /** Records the deliveries of one notification; answers the rows recorded. */
  async record(
    owner: string,
    eventType: string,
    priority: Priority,
    payload: Payload,
    only?: WebhookRow,
  ): Promise<WebhookDeliveryRow[]> {
    const hooks = only ? [only] : await this.db.getRepository(WebhookRow).findBy({ owner });
    const matching = only
      ? hooks
      : hooks.filter((h) => matchesAny(eventType, JSON.parse(h.eventTypes) as string[]));
    if (matching.length === 0) return [];
    const messageId = randomUUID();
    const now = new Date();
    const rows = matching.map((hook) => {
      const id = randomUUID();
      const event: WebhookEvent = {
        delivery_id: id,
        webhook_id: hook.id,
        message_id: messageId,
        event_type: eventType,
        priority,
        publisher_id: this.publisherId,
        timestamp: now.toISOString(),
        payload,
      };
      return Object.assign(new WebhookDeliveryRow(), {
        id,
        webhookId: hook.id,
        owner,
        eventType,
        messageId,
        body: JSON.stringify(event),
        status: 'pending',
        attempts: 0,
        // Due at once, on the database's clock (db/clock.ts).
        nextAttemptAt: dbTimeIn(0),
        leaseToken: null,
        leaseExpiresAt: null,
        responseStatus: null,
        lastError: null,
        createdAt: now,
        updatedAt: now,
        deliveredAt: null,
      });
    });
    await this.db.getRepository(WebhookDeliveryRow).insert(rows);
    return rows;
  }

  /** Waits (bounded) for the recordings on their way, at shutdown. */
  async drain(graceMs = 5000): Promise<void> {
    const pending = Promise.allSettled([...this.inFlight]);
    await Promise.race([pending, new Promise((r) => setTimeout(r, graceMs).unref())]);
  }
}
