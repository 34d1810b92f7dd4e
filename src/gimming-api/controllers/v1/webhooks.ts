/**
 * /v1/webhooks: a project's receivers of its notifications (HMAC-signed, retried by the conductor), their
 * delivery history and the test ping.
 */
import type Router from '@koa/router';
import { badRequest, notFound } from '../../../common/errors';
import type { AuthState } from '../../middleware/auth-token';
import { readJsonBody } from '../../middleware/json-body';
import { authorize } from '../../policy';
import { CreateWebhook, check, isUuid } from '../../schemas/v1';
import { Webhook, WebhookDelivery, WebhookDeliveryList, WebhookList } from '../../schemas/v1-responses';
import { booleanQuery, queryString } from '../pagination';
import type { ControllerDeps } from './clouds';
import { shape } from './respond';

const DELIVERY_STATES = new Set(['pending', 'delivered', 'failed']);

function webhookId(raw: string | undefined): string {
  const id = raw ?? '';
  if (!isUuid(id)) throw notFound('gimming.webhook.not_found', `Webhook ${id} was not found.`);
  return id.toLowerCase();
}

export function webhookRoutes(router: Router<AuthState>, deps: ControllerDeps): void {
  router.post('/v1/webhooks', async (ctx) => {
    authorize(ctx.state.context, 'gimming:webhook:create');
    const body = await readJsonBody(ctx, deps.maxBodyBytes);
    check(CreateWebhook, body, 'body');
    const { url, name, event_types } = body as { url: string; name?: string; event_types?: string[] };
    const hook = await deps.conductor.createWebhook(ctx.state.context, {
      url,
      ...(name !== undefined ? { name } : {}),
      ...(event_types !== undefined ? { event_types } : {}),
    });
    ctx.status = 201;
    ctx.set('Location', `/v1/webhooks/${hook.id}`);
    // The secret is in this answer only; it is never shown again.
    ctx.set('Cache-Control', 'no-store');
    ctx.body = shape(Webhook, hook);
  });

  router.get('/v1/webhooks', async (ctx) => {
    authorize(ctx.state.context, 'gimming:webhook:list');
    const allProjects = booleanQuery(ctx, 'all_projects');
    if (allProjects) authorize(ctx.state.context, 'gimming:image:list_all_projects');
    const hooks = await deps.conductor.listWebhooks(ctx.state.context, { all_projects: allProjects });
    ctx.body = shape(WebhookList, { webhooks: hooks });
  });

  router.get('/v1/webhooks/:webhook_id', async (ctx) => {
    authorize(ctx.state.context, 'gimming:webhook:get');
    ctx.body = shape(
      Webhook,
      await deps.conductor.getWebhook(ctx.state.context, webhookId(ctx.params.webhook_id)),
    );
  });

  router.delete('/v1/webhooks/:webhook_id', async (ctx) => {
    authorize(ctx.state.context, 'gimming:webhook:delete');
    await deps.conductor.deleteWebhook(ctx.state.context, webhookId(ctx.params.webhook_id));
    ctx.status = 204;
  });

  router.get('/v1/webhooks/:webhook_id/deliveries', async (ctx) => {
    authorize(ctx.state.context, 'gimming:webhook:list_deliveries');
    const id = webhookId(ctx.params.webhook_id);
    const status = queryString(ctx, 'status');
    if (status !== undefined && !DELIVERY_STATES.has(status)) {
      throw badRequest(
        'gimming.request.invalid',
        `status must be one of ${[...DELIVERY_STATES].join(', ')}.`,
      );
    }
    const rawLimit = queryString(ctx, 'limit');
    const limit = rawLimit === undefined ? 100 : Number(rawLimit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw badRequest('gimming.request.invalid', 'limit must be an integer from 1 to 1000.');
    }
    const deliveries = await deps.conductor.listWebhookDeliveries(ctx.state.context, {
      webhook_id: id,
      limit,
      ...(status ? { status: status as 'pending' | 'delivered' | 'failed' } : {}),
    });
    ctx.body = shape(WebhookDeliveryList, { deliveries });
  });

  router.post('/v1/webhooks/:webhook_id/ping', async (ctx) => {
    authorize(ctx.state.context, 'gimming:webhook:ping');
    const delivery = await deps.conductor.pingWebhook(ctx.state.context, webhookId(ctx.params.webhook_id));
    ctx.status = 202;
    ctx.body = shape(WebhookDelivery, delivery);
  });
}
