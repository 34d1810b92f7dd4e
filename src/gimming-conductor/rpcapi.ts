/**
 * The client side of the conductor's RPC API: what gimming-api (and agents, for heartbeats) import.
 * Each method pins the API version it needs.
 */
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel } from 'amqplib';
import type { RequestContext } from '../common/context';
import type { CallSigner } from '../common/grpc/auth';
import type { MessagingConnection } from '../common/rpc/connection';
import { type CallOptions, RpcClient } from '../common/rpc/client';
import { type LearntCap, VersionCap } from '../common/rpc/version-cap';
import { GimmingError } from '../common/errors';
import { encode } from '../common/rpc/envelope';
import { castAudience, castEnvelope } from '../common/rpc/signed-envelope';
import type {
  ChannelHistoryEntry,
  ChannelView,
  CloudImageView,
  FamilyVersionView,
  FamilyView,
  LifecycleChangeView,
  ResolvedChannelView,
  PlanView,
  CloudView,
  ImageView,
  LocationView,
  MatrixView,
  MemberView,
  MethodArgs,
  Page,
  PingView,
  ServiceVersionsView,
  TargetsView,
  TaskView,
  WebhookDeliveryView,
  WebhookView,
} from './rpc-schemas';

export const CONDUCTOR_TOPIC = 'conductor';
export const HEARTBEAT_METHOD = 'agent_heartbeat';

/** What a conductor too old for a call answers it with. */
const TOO_OLD: ReadonlySet<string> = new Set([
  'gimming.rpc.unsupported_version',
  'gimming.rpc.unknown_method',
]);

/**
 * The exchange (a fanout) and queue agents' heartbeats go to, apart from the conductor's topic: an agent's
 * broker user needs to publish there only, never where the conductor's other methods are served.
 */
export function heartbeatExchange(controlExchange: string): string {
  return `${controlExchange}.${CONDUCTOR_TOPIC}_heartbeats`;
}

/**
 * What an agent sends the conductor: its heartbeat, signed with the deployment's secret (a heartbeat
 * registers the agent, so the broker alone must not be enough to send one), on the heartbeat exchange.
 * Its channel declares only that exchange, so an agent's broker user needs configure and write
 * permission on it alone, and no read permission at all.
 */
export class HeartbeatPublisher {
  private readonly channel: ChannelWrapper;
  private readonly exchange: string;

  constructor(
    private readonly connection: MessagingConnection,
    private readonly signer: CallSigner | null,
  ) {
    this.exchange = heartbeatExchange(connection.exchange);
    this.channel = connection.manager.createChannel({
      json: false,
      setup: async (ch: ConfirmChannel) => {
        await ch.assertExchange(this.exchange, 'fanout', { durable: true });
      },
    });
  }

  /** At 1.0 although 1.5 added rpc_version and proto: older conductors ignore them and still register. */
  async send(ctx: RequestContext, args: MethodArgs<'agent_heartbeat'>, ttlMs: number): Promise<void> {
    const envelope = castEnvelope(ctx, HEARTBEAT_METHOD, '1.0', args, {
      signer: this.signer,
      audience: castAudience(this.connection.exchange, CONDUCTOR_TOPIC),
    });
    await this.channel.publish(this.exchange, '', encode(envelope), {
      contentType: 'application/json',
      persistent: false,
      expiration: String(ttlMs),
      messageId: ctx.requestId,
    });
  }

  async close(): Promise<void> {
    await this.channel.close();
  }
}

/** Calls sent whatever the cap: how a sender learns the cap, and the health check's ping. */
const UNCAPPED: ReadonlySet<string> = new Set(['ping', 'service_versions']);

/** The version a sync needs: the newest of the fields it carries (`base`: what it needs without them). */
function syncVersion(args: Omit<MethodArgs<'sync_image'>, 'dry_run'>, base: string): string {
  if (args.max_bandwidth !== undefined) return '1.18';
  if (args.on_conflict) return '1.17';
  if (args.incremental_from) return '1.16';
  return base;
}

export class ConductorAPI {
  private readonly client: RpcClient;
  private readonly cap: VersionCap;

  /**
   * `castSigner`: for a conductor, which casts to other conductors (they carry no token). `upgradeLevel`:
   * `[upgrade_levels] conductor` (auto, a version, or empty: no cap, the default here).
   */
  constructor(
    connection: MessagingConnection,
    timeoutMs: number,
    castSigner: CallSigner | null = null,
    upgradeLevel = '',
  ) {
    this.client = new RpcClient(connection, CONDUCTOR_TOPIC, timeoutMs, castSigner);
    this.cap = new VersionCap(CONDUCTOR_TOPIC, upgradeLevel, (ctx) => this.oldestConductor(ctx));
  }

  /**
   * Every call goes through here: sent at the version it needs (which every newer conductor serves: they
   * take older minors), or refused (409) when that version is above the cap, rather than sent to a
   * conductor that would refuse it.
   */
  private async call<T>(ctx: RequestContext, method: string, args: unknown, opts: CallOptions): Promise<T> {
    if (!UNCAPPED.has(method)) await this.cap.check(ctx, method, opts.version);
    return this.client.call<T>(ctx, method, args, opts);
  }

  /** The oldest RPC version of the live conductors (1.13), or, from an older one, that conductor's own. */
  private async oldestConductor(ctx: RequestContext): Promise<LearntCap> {
    const opts = { timeoutMs: Math.min(5000, this.client.timeoutMs) };
    try {
      const v = await this.client.call<ServiceVersionsView>(
        ctx,
        'service_versions',
        {},
        { ...opts, version: '1.13' },
      );
      return {
        version: v.conductor.oldest,
        source: `the oldest of the live conductors ${v.conductor.hosts.join(', ')}`,
      };
    } catch (err) {
      if (!(err instanceof GimmingError) || !TOO_OLD.has(err.code)) throw err;
    }
    try {
      const ping = await this.client.call<PingView>(ctx, 'ping', {}, { ...opts, version: '1.5' });
      return { version: ping.rpc_version, source: `conductor ${ping.host}, which has no service_versions` };
    } catch (err) {
      if (!(err instanceof GimmingError) || !TOO_OLD.has(err.code)) throw err;
      return { version: '1.4', source: 'a conductor older than 1.5' };
    }
  }

  /** The cap now (undefined: none), for the logs and the tests. */
  versionCap(ctx: RequestContext): Promise<LearntCap | undefined> {
    return this.cap.current(ctx);
  }

  /** Whether a conductor answers within `timeoutMs` (any conductor of the topic). */
  ping(ctx: RequestContext, timeoutMs: number): Promise<PingView> {
    return this.call(ctx, 'ping', {}, { version: '1.5', timeoutMs });
  }

  createCloud(ctx: RequestContext, args: MethodArgs<'create_cloud'>): Promise<CloudView> {
    const extended =
      args.scope !== undefined || args.auth_url !== undefined || args.credentials_ref !== undefined;
    const version =
      args.max_bandwidth !== undefined
        ? '1.18'
        : args.type === 'gcp' || args.project !== undefined
          ? '1.11'
          : args.type === 'aws' || args.bucket !== undefined
            ? '1.9'
            : extended
              ? '1.5'
              : '1.0';
    return this.call(ctx, 'create_cloud', args, { version });
  }

  listClouds(ctx: RequestContext): Promise<CloudView[]> {
    return this.call(ctx, 'list_clouds', {}, { version: '1.0' });
  }

  getCloud(ctx: RequestContext, cloud: string): Promise<CloudView> {
    return this.call(ctx, 'get_cloud', { cloud }, { version: '1.0' });
  }

  createImage(ctx: RequestContext, args: MethodArgs<'create_image'>): Promise<ImageView> {
    const version = args.on_conflict
      ? '1.21'
      : args.max_bandwidth !== undefined
        ? '1.18'
        : !args.source
          ? '1.2'
          : 'url' in args.source
            ? '1.4'
            : '1.0';
    return this.call(ctx, 'create_image', args, { version });
  }

  /** Where to stream an upload: the address of the agent that stages it. */
  beginUpload(
    ctx: RequestContext,
    args: MethodArgs<'begin_upload'>,
  ): Promise<{ agent_address: string; limit_bytes?: number | null; lease_s?: number }> {
    return this.call(ctx, 'begin_upload', args, { version: args.renews ? '1.7' : '1.2' });
  }

  /** Renews an upload's lease: the conductors take an upload whose lease lapsed for interrupted. */
  renewUpload(ctx: RequestContext, imageId: string): Promise<{ renewed: boolean }> {
    return this.call(ctx, 'renew_upload', { image_id: imageId }, { version: '1.7' });
  }

  finishUpload(ctx: RequestContext, args: MethodArgs<'finish_upload'>): Promise<ImageView> {
    return this.call(ctx, 'finish_upload', args, { version: '1.2' });
  }

  abortUpload(ctx: RequestContext, imageId: string): Promise<void> {
    return this.call(ctx, 'abort_upload', { image_id: imageId }, { version: '1.2' });
  }

  listImages(ctx: RequestContext, args: MethodArgs<'list_images'>): Promise<Page<ImageView>> {
    const extended = Object.keys(args).some((k) => !['limit', 'marker', 'all_projects'].includes(k));
    return this.call(ctx, 'list_images', args, { version: extended ? '1.3' : '1.0' });
  }

  getImage(ctx: RequestContext, imageId: string): Promise<ImageView> {
    return this.call(ctx, 'get_image', { image_id: imageId }, { version: '1.0' });
  }

  listTasks(ctx: RequestContext, args: MethodArgs<'list_tasks'>): Promise<Page<TaskView>> {
    const version = args.sort_dir ? '1.6' : args.cloud ? '1.3' : '1.0';
    return this.call(ctx, 'list_tasks', args, { version });
  }

  getTask(ctx: RequestContext, taskId: string): Promise<TaskView> {
    return this.call(ctx, 'get_task', { task_id: taskId }, { version: '1.0' });
  }

  /** Sets the clouds an image should be in (or, with dry_run, tells what that would do). */
  setTargets(ctx: RequestContext, args: MethodArgs<'set_targets'>): Promise<TargetsView> {
    return this.call(ctx, 'set_targets', args, { version: '1.6' });
  }

  syncImage(ctx: RequestContext, args: MethodArgs<'sync_image'>): Promise<ImageView> {
    return this.call(ctx, 'sync_image', args, { version: syncVersion(args, '1.1') });
  }

  /** The plan of a sync (planner.ts), changing nothing. */
  planSync(ctx: RequestContext, args: Omit<MethodArgs<'sync_image'>, 'dry_run'>): Promise<PlanView> {
    return this.call(ctx, 'sync_image', { ...args, dry_run: true }, { version: syncVersion(args, '1.12') });
  }

  /** The plan of the copies of an image to create (an upload, an import or an adoption), changing nothing. */
  planCreateImage(ctx: RequestContext, args: Omit<MethodArgs<'create_image'>, 'dry_run'>): Promise<PlanView> {
    const version = args.on_conflict ? '1.21' : args.max_bandwidth !== undefined ? '1.18' : '1.12';
    return this.call(ctx, 'create_image', { ...args, dry_run: true }, { version });
  }

  addLocation(ctx: RequestContext, args: MethodArgs<'add_location'>): Promise<LocationView> {
    return this.call(ctx, 'add_location', args, {
      version: args.accept_unverified ? '1.8' : '1.1',
    });
  }

  deleteLocation(ctx: RequestContext, args: MethodArgs<'delete_location'>): Promise<void> {
    return this.call(ctx, 'delete_location', args, { version: '1.1' });
  }

  /** Forgets the image. */
  deleteImage(ctx: RequestContext, imageId: string): Promise<void> {
    return this.call(ctx, 'delete_image', { image_id: imageId }, { version: '1.1' });
  }

  /** Deletes every copy from its cloud (a task each), then the image. */
  deleteImageEverywhere(
    ctx: RequestContext,
    imageId: string,
  ): Promise<{ image: ImageView; tasks: TaskView[] }> {
    return this.call(ctx, 'delete_image', { image_id: imageId, delete_remote: true }, { version: '1.4' });
  }

  cancelTask(ctx: RequestContext, taskId: string): Promise<TaskView> {
    return this.call(ctx, 'cancel_task', { task_id: taskId }, { version: '1.1' });
  }

  /** Asks the conductor running a task (its host) to stop it. */
  cancelCopy(ctx: RequestContext, conductorHost: string, taskId: string): Promise<void> {
    return this.client.cast(
      ctx,
      'cancel_copy',
      { task_id: taskId },
      { version: '1.1', server: conductorHost },
    );
  }

  listCloudImages(ctx: RequestContext, args: MethodArgs<'list_cloud_images'>): Promise<CloudImageView[]> {
    return this.call(ctx, 'list_cloud_images', args, { version: '1.3' });
  }

  refreshImage(ctx: RequestContext, imageId: string): Promise<ImageView> {
    return this.call(ctx, 'refresh_image', { image_id: imageId }, { version: '1.3' });
  }

  getMatrix(ctx: RequestContext, args: MethodArgs<'get_matrix'>): Promise<MatrixView> {
    return this.call(ctx, 'get_matrix', args, { version: '1.3' });
  }

  close(): Promise<void> {
    return this.client.close();
  }

  updateImage(ctx: RequestContext, args: MethodArgs<'update_image'>): Promise<ImageView> {
    return this.call(ctx, 'update_image', args, { version: '1.4' });
  }

  listMembers(ctx: RequestContext, imageId: string): Promise<MemberView[]> {
    return this.call(ctx, 'list_members', { image_id: imageId }, { version: '1.4' });
  }

  addMember(ctx: RequestContext, args: MethodArgs<'add_member'>): Promise<MemberView> {
    return this.call(ctx, 'add_member', args, { version: '1.4' });
  }

  deleteMember(ctx: RequestContext, args: MethodArgs<'delete_member'>): Promise<void> {
    return this.call(ctx, 'delete_member', args, { version: '1.4' });
  }

  deleteCloud(ctx: RequestContext, cloud: string): Promise<void> {
    return this.call(ctx, 'delete_cloud', { cloud }, { version: '1.4' });
  }

  /** Registers a webhook; the answer holds its secret, this once. */
  createWebhook(ctx: RequestContext, args: MethodArgs<'create_webhook'>): Promise<WebhookView> {
    return this.call(ctx, 'create_webhook', args, { version: '1.17' });
  }

  listWebhooks(ctx: RequestContext, args: MethodArgs<'list_webhooks'>): Promise<WebhookView[]> {
    return this.call(ctx, 'list_webhooks', args, { version: '1.17' });
  }

  getWebhook(ctx: RequestContext, webhookId: string): Promise<WebhookView> {
    return this.call(ctx, 'get_webhook', { webhook_id: webhookId }, { version: '1.17' });
  }

  deleteWebhook(ctx: RequestContext, webhookId: string): Promise<void> {
    return this.call(ctx, 'delete_webhook', { webhook_id: webhookId }, { version: '1.17' });
  }

  listWebhookDeliveries(
    ctx: RequestContext,
    args: MethodArgs<'list_webhook_deliveries'>,
  ): Promise<WebhookDeliveryView[]> {
    return this.call(ctx, 'list_webhook_deliveries', args, { version: '1.17' });
  }

  /** Queues a test delivery (gimming.webhook.ping) to the webhook. */
  pingWebhook(ctx: RequestContext, webhookId: string): Promise<WebhookDeliveryView> {
    return this.call(ctx, 'ping_webhook', { webhook_id: webhookId }, { version: '1.17' });
  }

  // 1.15: image families, channels and lifecycle

  createFamily(ctx: RequestContext, args: MethodArgs<'create_family'>): Promise<FamilyView> {
    return this.call(ctx, 'create_family', args, { version: '1.15' });
  }

  listFamilies(ctx: RequestContext, args: MethodArgs<'list_families'>): Promise<FamilyView[]> {
    return this.call(ctx, 'list_families', args, { version: '1.15' });
  }

  getFamily(ctx: RequestContext, family: string): Promise<FamilyView> {
    return this.call(ctx, 'get_family', { family }, { version: '1.15' });
  }

  deleteFamily(ctx: RequestContext, family: string): Promise<void> {
    return this.call(ctx, 'delete_family', { family }, { version: '1.15' });
  }

  addFamilyVersion(ctx: RequestContext, args: MethodArgs<'add_family_version'>): Promise<FamilyVersionView> {
    return this.call(ctx, 'add_family_version', args, { version: '1.15' });
  }

  promoteChannel(ctx: RequestContext, args: MethodArgs<'promote_channel'>): Promise<ChannelView> {
    return this.call(ctx, 'promote_channel', args, { version: '1.15' });
  }

  rollbackChannel(ctx: RequestContext, args: MethodArgs<'rollback_channel'>): Promise<ChannelView> {
    return this.call(ctx, 'rollback_channel', args, { version: '1.15' });
  }

  channelHistory(ctx: RequestContext, args: MethodArgs<'channel_history'>): Promise<ChannelHistoryEntry[]> {
    return this.call(ctx, 'channel_history', args, { version: '1.15' });
  }

  resolveChannel(ctx: RequestContext, args: MethodArgs<'resolve_channel'>): Promise<ResolvedChannelView> {
    return this.call(ctx, 'resolve_channel', args, { version: '1.15' });
  }

  setVersionLifecycle(
    ctx: RequestContext,
    args: MethodArgs<'set_version_lifecycle'>,
  ): Promise<LifecycleChangeView> {
    return this.call(ctx, 'set_version_lifecycle', args, { version: '1.15' });
  }
}
