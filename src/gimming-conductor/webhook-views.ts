/** What the webhook RPC methods answer (rpc-schemas.ts re-exports these). */
import type { WebhookDeliveryRow, WebhookRow } from './db/webhook-entities';

export interface WebhookView {
  id: string;
  name: string;
  url: string;
  event_types: string[];
  project_id: string;
  created_at: string;
  updated_at: string;
  /** Only in create_webhook's answer: the signing secret, shown this once and never again. */
  secret?: string;
}

export interface WebhookDeliveryView {
  id: string;
  webhook_id: string;
  event_type: string;
  message_id: string;
  /** pending (to be sent or sent again), delivered, failed (no attempt left). */
  status: string;
  attempts: number;
  /** The HTTP status of the last attempt (null: none answered). */
  response_status: number | null;
  last_error: string | null;
  next_attempt_at: string | null;
  created_at: string;
  updated_at: string;
  delivered_at: string | null;
}

export function webhookView(row: WebhookRow, secret?: string): WebhookView {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    event_types: JSON.parse(row.eventTypes) as string[],
    project_id: row.owner,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    ...(secret !== undefined ? { secret } : {}),
  };
}

export function deliveryView(row: WebhookDeliveryRow): WebhookDeliveryView {
  return {
    id: row.id,
    webhook_id: row.webhookId,
    event_type: row.eventType,
    message_id: row.messageId,
    status: row.status,
    attempts: row.attempts,
    response_status: row.responseStatus,
    last_error: row.lastError,
    next_attempt_at: row.status === 'pending' ? row.nextAttemptAt.toISOString() : null,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    delivered_at: row.deliveredAt ? row.deliveredAt.toISOString() : null,
  };
}
