/**
 * A project's webhooks (create, list, show, delete), their delivery history and the test ping. A webhook
 * is its project's: others (administrators aside) see none of it. Its URL is checked as a project cloud's
 * endpoints are (endpoint-filter.ts, with `[webhooks] allowed_private_networks`), when it is created and
 * again before each delivery (webhook-delivery.ts).
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { RequestContext } from '../common/context';
import { GimmingError, badRequest, conflict, notFound } from '../common/errors';
import { type Networks, type Resolver, checkProjectCloudUrl } from '../common/endpoint-filter';
import { VERSION } from '../common/version';
import { WebhookDeliveryRow, WebhookRow } from './db/webhook-entities';
import type { MethodArgs } from './rpc-schemas';
import { PING_EVENT } from './webhook-events';
import type { WebhookOutbox } from './webhook-outbox';
import { type WebhookSecrets, newWebhookSecret } from './webhook-secrets';
import { type WebhookDeliveryView, type WebhookView, deliveryView, webhookView } from './webhook-views';

export class WebhookService {
  constructor(
    private readonly db: DataSource,
    private readonly secrets: WebhookSecrets,
    private readonly outbox: WebhookOutbox,
    private readonly limits: { networks: Networks; maxPerProject: number },
    private readonly resolve?: Resolver,
  ) {}

  private project(ctx: RequestContext): string {
    if (!ctx.projectId) {
      throw badRequest(
        'gimming.webhook.no_project',
        'Webhooks belong to a project: use a project-scoped token.',
      );
    }
    return ctx.projectId;
  }

  private async find(ctx: RequestContext, id: string): Promise<WebhookRow> {
    const row = await this.db.getRepository(WebhookRow).findOneBy({ id });
    if (!row || !(ctx.isAdmin || row.owner === ctx.projectId)) {
      throw notFound('gimming.webhook.not_found', `Webhook ${id} was not found.`);
    }
    return row;
  }

  async create(ctx: RequestContext, args: MethodArgs<'create_webhook'>): Promise<WebhookView> {
    const owner = this.project(ctx);
    let url: URL;
    try {
      url = new URL(args.url);
    } catch {
      throw badRequest('gimming.webhook.invalid_url', 'The webhook URL is not a URL.');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw badRequest('gimming.webhook.invalid_url', 'A webhook URL is http or https.');
    }
    if (url.username || url.password) {
      throw badRequest(
        'gimming.webhook.invalid_url',
        'A webhook URL carries no user name or password: the receiver checks the signature instead.',
      );
    }
    await checkProjectCloudUrl(args.url, this.limits.networks, 'webhook URL', this.resolve).catch(
      (err: unknown) => {
        // The same refusal, naming the option that applies to webhooks.
        if (err instanceof GimmingError && err.code === 'gimming.cloud.endpoint_refused') {
          throw new GimmingError(
            'gimming.webhook.url_refused',
            400,
            err.message
              .replace('which a project cloud may not use', 'which a webhook may not be delivered to')
              .replace('[project_clouds]', '[webhooks]'),
          );
        }
        throw err;
      },
    );
    const count = await this.db.getRepository(WebhookRow).countBy({ owner });
    if (count >= this.limits.maxPerProject) {
      throw conflict(
        'gimming.webhook.quota_exceeded',
        `Project ${owner} has ${count} webhooks, the most it may have ([webhooks] max_per_project).`,
      );
    }
    const id = randomUUID();
    const secret = newWebhookSecret();
    const now = new Date();
    const row = Object.assign(new WebhookRow(), {
      id,
      owner,
      name: args.name ?? url.host,
      url: args.url,
      eventTypes: JSON.stringify([...new Set(args.event_types ?? ['*'])]),
      secretSealed: this.secrets.seal(secret, id, owner),
      createdAt: now,
      updatedAt: now,
    });
    await this.db.getRepository(WebhookRow).insert(row);
    return webhookView(row, secret);
  }

  async list(ctx: RequestContext, args: MethodArgs<'list_webhooks'>): Promise<WebhookView[]> {
    const where = ctx.isAdmin && args.all_projects ? {} : { owner: ctx.projectId ?? '' };
    const rows = await this.db.getRepository(WebhookRow).find({ where, order: { createdAt: 'ASC' } });
    return rows.map((r) => webhookView(r));
  }

  async get(ctx: RequestContext, id: string): Promise<WebhookView> {
    return webhookView(await this.find(ctx, id));
  }

  /** Deletes the webhook and its deliveries, sent or not. */
  async delete(ctx: RequestContext, id: string): Promise<void> {
    const row = await this.find(ctx, id);
    await this.db.transaction(async (m) => {
      await m.delete(WebhookDeliveryRow, { webhookId: row.id });
      await m.delete(WebhookRow, { id: row.id });
    });
  }

  /** The webhook's deliveries, newest first. */
  async deliveries(
    ctx: RequestContext,
    args: MethodArgs<'list_webhook_deliveries'>,
  ): Promise<WebhookDeliveryView[]> {
    const row = await this.find(ctx, args.webhook_id);
    const qb = this.db
      .getRepository(WebhookDeliveryRow)
      .createQueryBuilder('d')
      .where('d.webhook_id = :id', { id: row.id });
    if (args.status) qb.andWhere('d.status = :status', { status: args.status });
    const rows = await qb
      .orderBy('d.created_at', 'DESC')
      .addOrderBy('d.id', 'ASC')
      .limit(args.limit)
      .getMany();
    return rows.map(deliveryView);
  }

  /** Queues a `gimming.webhook.ping` to this webhook alone, whatever its event types. */
  async ping(ctx: RequestContext, id: string): Promise<WebhookDeliveryView> {
    const row = await this.find(ctx, id);
    const [delivery] = await this.outbox.record(
      row.owner,
      PING_EVENT,
      'INFO',
      {
        webhook_id: row.id,
        owner: row.owner,
        message: 'A test delivery.',
        version: VERSION,
        request_id: ctx.requestId,
      },
      row,
    );
    if (!delivery) throw new Error('the ping was not recorded');
    // Read back: the due time was written on the database's clock.
    return deliveryView(await this.db.getRepository(WebhookDeliveryRow).findOneByOrFail({ id: delivery.id }));
  }
}
