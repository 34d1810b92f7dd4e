/**
 * The client side of the conductor's RPC API: what gimming-api (and agents, for heartbeats) import.
 * Each method pins the API version it needs.
 */
import type { RequestContext } from '../common/context';
import type { CallSigner } from '../common/grpc/auth';
import type { MessagingConnection } from '../common/rpc/connection';
import { type CallOptions, RpcClient } from '../common/rpc/client';
import { type LearntCap, VersionCap } from '../common/rpc/version-cap';
import { GimmingError } from '../common/errors';
import type { UploadOffsetView } from './upload-resume';
import type {
  ChannelHistoryEntry,
  ChannelView,
  CloudImagePage,
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

import { CONDUCTOR_TOPIC } from './heartbeat-publisher';

export {
  CONDUCTOR_TOPIC,
  HEARTBEAT_METHOD,
  HeartbeatPublisher,
  heartbeatExchange,
} from './heartbeat-publisher';

/** What a conductor too old for a call answers it with. */
const TOO_OLD: ReadonlySet<string> = new Set([
  'gimming.rpc.unsupported_version',
  'gimming.rpc.unknown_method',
]);

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

  /** Keeps what was staged of an upload cut short, `keep_s` seconds, to be resumed (1.20). */
  suspendUpload(ctx: RequestContext, args: MethodArgs<'suspend_upload'>): Promise<{ suspended: boolean }> {
    return this.call(ctx, 'suspend_upload', args, { version: '1.20' });
  }

  /** Takes back a suspended upload that continues at exactly its staged offset (1.20). */
  resumeUpload(
    ctx: RequestContext,
    args: MethodArgs<'resume_upload'>,
  ): Promise<{ agent_address: string; limit_bytes?: number | null; lease_s?: number }> {
    return this.call(ctx, 'resume_upload', args, { version: '1.20' });
  }

  /** How much of an image's data is staged (1.20). */
  uploadOffset(ctx: RequestContext, imageId: string): Promise<UploadOffsetView> {
    return this.call(ctx, 'upload_offset', { image_id: imageId }, { version: '1.20' });
  }

  /** The staged images of the project that may hold an upload's bytes (1.20). */
  dedupCandidates(
    ctx: RequestContext,
    args: MethodArgs<'dedup_candidates'>,
  ): Promise<{ candidates: { image_id: string; agent_address: string }[] }> {
    return this.call(ctx, 'dedup_candidates', args, { version: '1.20' });
  }

  /** The image's data was linked to another image's staged data: its copies start (1.20). */
  finishDedup(ctx: RequestContext, args: MethodArgs<'finish_dedup'>): Promise<ImageView> {
    return this.call(ctx, 'finish_dedup', args, { version: '1.20' });
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

  listCloudImages(
    ctx: RequestContext,
    args: Omit<MethodArgs<'list_cloud_images'>, 'paged' | 'marker'>,
  ): Promise<CloudImageView[]> {
    return this.call(ctx, 'list_cloud_images', args, { version: '1.3' });
  }

  /**
   * One page of a browse, paged by the cloud's agent (1.19). Undefined when the conductors are older
   * (refused, or above the cap): the caller then pages by count as before 1.19.
   */
  async listCloudImagesPage(
    ctx: RequestContext,
    args: Omit<MethodArgs<'list_cloud_images'>, 'paged'>,
  ): Promise<CloudImagePage | undefined> {
    try {
      return await this.call<CloudImagePage>(
        ctx,
        'list_cloud_images',
        { ...args, paged: true },
        { version: '1.19' },
      );
    } catch (err) {
      if (err instanceof GimmingError && (TOO_OLD.has(err.code) || err.code === 'gimming.rpc.version_capped'))
        return undefined;
      throw err;
    }
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
