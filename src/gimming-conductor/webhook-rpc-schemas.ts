/** The webhook methods of the conductor's RPC API (1.17), spread into rpc-schemas.ts METHODS. */
import { Type as T } from '@sinclair/typebox';
import { EVENT_PATTERN } from './webhook-events';

const Id = T.String({ minLength: 1, maxLength: 255 });
const Name = T.String({ minLength: 1, maxLength: 255 });

export const WEBHOOK_METHODS = {
  create_webhook: T.Object({
    url: T.String({ minLength: 1, maxLength: 2048 }),
    name: T.Optional(Name),
    event_types: T.Optional(
      T.Array(T.String({ minLength: 1, maxLength: 255, pattern: EVENT_PATTERN }), {
        minItems: 1,
        maxItems: 32,
      }),
    ),
  }),
  list_webhooks: T.Object({ all_projects: T.Optional(T.Boolean()) }),
  get_webhook: T.Object({ webhook_id: Id }),
  delete_webhook: T.Object({ webhook_id: Id }),
  list_webhook_deliveries: T.Object({
    webhook_id: Id,
    limit: T.Integer({ minimum: 1, maximum: 1000 }),
    status: T.Optional(T.Union([T.Literal('pending'), T.Literal('delivered'), T.Literal('failed')])),
  }),
  ping_webhook: T.Object({ webhook_id: Id }),
} as const;
