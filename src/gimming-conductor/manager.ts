/**
 * The server side of the conductor's RPC API: validates each call's arguments against its schema and
 * hands it to the service that owns it.
 */
import Ajv, { type ValidateFunction } from 'ajv';
import type { RequestContext } from '../common/context';
import { badRequest } from '../common/errors';
import type { RpcEndpoint } from '../common/rpc/server';
import type { AgentRegistry } from './agents';
import type { CloudService } from './clouds';
import type { ConductorPresence } from './conductors';
import type { DataSource } from 'typeorm';
import type { ImageAdoption } from './adoption';
import type { DriftCheck } from './drift';
import type { ImageDeletion } from './image-deletion';
import type { ChannelService } from './channels';
import type { FamilyService } from './families';
import type { ImageQueries } from './image-queries';
import type { LifecycleService } from './lifecycle';
import { matrix } from './matrix';
import type { LocationService } from './locations';
import { ReservedProperties } from './reserved-properties';
import { METHODS, type MethodArgs, type MethodName, RPC_API_VERSION } from './rpc-schemas';
import type { TargetService } from './targets';
import type { TaskControl } from './task-control';
import type { TaskQueries } from './task-queries';
import type { SharingService } from './sharing';
import type { UploadService } from './uploads';
import type { WebhookService } from './webhooks';
import { VERSION } from '../common/version';

type Handler<M extends MethodName> = (ctx: RequestContext, args: MethodArgs<M>) => Promise<unknown>;

export class ConductorManager implements RpcEndpoint {
  readonly version = RPC_API_VERSION;
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly handlers: { [M in MethodName]: Handler<M> };

  constructor(services: {
    agents: AgentRegistry;
    clouds: CloudService;
    images: ImageQueries;
    adoption: ImageAdoption;
    deletion: ImageDeletion;
    drift: DriftCheck;
    locations: LocationService;
    tasks: TaskQueries;
    control: TaskControl;
    uploads: UploadService;
    sharing: SharingService;
    targets: TargetService;
    webhooks: WebhookService;
    families: FamilyService;
    channels: ChannelService;
    lifecycle: LifecycleService;
    db: DataSource;
    /** This conductor's record in `conductors`, and the others' (service_versions). */
    presence: ConductorPresence;
    /** This conductor's [DEFAULT] host, told to whoever pings it. */
    host: string;
  }) {
    const ajv = new Ajv({ allErrors: false, strict: false });
    for (const [name, schema] of Object.entries(METHODS)) this.validators.set(name, ajv.compile(schema));
    const {
      agents,
      clouds,
      images,
      adoption,
      deletion,
      drift,
      locations,
      tasks,
      control,
      uploads,
      sharing,
      targets,
      webhooks,
      families,
      channels,
      lifecycle,
      db,
      host,
      presence,
    } = services;
    const reserved = new ReservedProperties(clouds, agents);
    this.handlers = {
      agent_heartbeat: (_ctx, args) => agents.heartbeat(args),
      create_cloud: (ctx, args) => clouds.create(ctx, args),
      list_clouds: (ctx) => clouds.list(ctx),
      get_cloud: (ctx, args) => clouds.get(ctx, args.cloud),
      delete_cloud: (ctx, args) => clouds.delete(ctx, args.cloud),
      create_image: async (ctx, args) => {
        // Before anything else, as the API refuses the names every cloud reserves before calling.
        await reserved.check(ctx, args);
        return adoption.create(ctx, args);
      },
      list_images: (ctx, args) => images.list(ctx, args),
      get_image: (ctx, args) => images.get(ctx, args.image_id),
      list_tasks: (ctx, args) => tasks.list(ctx, args),
      get_task: (ctx, args) => tasks.get(ctx, args.task_id),
      // 1.12: with dry_run, the plan only (planner.ts)
      sync_image: (ctx, args) => (args.dry_run ? adoption.planSync(ctx, args) : adoption.sync(ctx, args)),
      add_location: (ctx, args) => locations.add(ctx, args),
      delete_location: (ctx, args) => locations.delete(ctx, args),
      delete_image: (ctx, args) =>
        args.delete_remote
          ? deletion.deleteEverywhere(ctx, args.image_id)
          : deletion.forget(ctx, args.image_id),
      cancel_task: (ctx, args) => control.cancel(ctx, args.task_id),
      cancel_copy: async (_ctx, args) => control.stopHere(args.task_id),
      begin_upload: (ctx, args) => uploads.begin(ctx, args),
      finish_upload: (ctx, args) => uploads.finish(ctx, args),
      abort_upload: (ctx, args) => uploads.abort(ctx, args),
      renew_upload: (ctx, args) => uploads.renew(ctx, args),
      suspend_upload: (ctx, args) => uploads.resume.suspend(ctx, args),
      resume_upload: (ctx, args) => uploads.resume.resume(ctx, args),
      upload_offset: (ctx, args) => uploads.resume.offset(ctx, args),
      dedup_candidates: (ctx, args) => uploads.resume.candidates(ctx, args),
      finish_dedup: (ctx, args) => uploads.resume.finishDedup(ctx, args),
      list_cloud_images: (ctx, args) => clouds.listImages(ctx, args),
      refresh_image: (ctx, args) => drift.refresh(ctx, args.image_id),
      get_matrix: (ctx, args) => matrix(db, clouds, ctx, args),
      update_image: (ctx, args) => sharing.update(ctx, args),
      list_members: (ctx, args) => sharing.listMembers(ctx, args.image_id),
      add_member: (ctx, args) => sharing.addMember(ctx, args),
      delete_member: (ctx, args) => sharing.removeMember(ctx, args),
      set_targets: (ctx, args) => targets.set(ctx, args),
      ping: async () => ({ host, rpc_version: RPC_API_VERSION, version: VERSION }),
      // 1.13: for the senders' version caps ([upgrade_levels] conductor = auto)
      service_versions: () => presence.versions(),
      // 1.17
      create_webhook: (ctx, args) => webhooks.create(ctx, args),
      list_webhooks: (ctx, args) => webhooks.list(ctx, args),
      get_webhook: (ctx, args) => webhooks.get(ctx, args.webhook_id),
      delete_webhook: (ctx, args) => webhooks.delete(ctx, args.webhook_id),
      list_webhook_deliveries: (ctx, args) => webhooks.deliveries(ctx, args),
      ping_webhook: (ctx, args) => webhooks.ping(ctx, args.webhook_id),
      // 1.15: image families (families.ts, lifecycle.ts)
      create_family: (ctx, args) => families.create(ctx, args),
      list_families: (ctx, args) => families.list(ctx, args),
      get_family: (ctx, args) => families.get(ctx, args.family),
      delete_family: (ctx, args) => families.delete(ctx, args.family),
      add_family_version: (ctx, args) => families.addVersion(ctx, args),
      promote_channel: (ctx, args) => channels.promote(ctx, args),
      rollback_channel: (ctx, args) => channels.rollback(ctx, args),
      channel_history: (ctx, args) => channels.history(ctx, args),
      resolve_channel: (ctx, args) => channels.resolve(ctx, args),
      set_version_lifecycle: (ctx, args) => lifecycle.set(ctx, args),
    };
  }

  async dispatch(ctx: RequestContext, method: string, args: unknown): Promise<unknown> {
    const validate = this.validators.get(method);
    if (!validate || !Object.prototype.hasOwnProperty.call(this.handlers, method)) {
      throw badRequest('gimming.rpc.unknown_method', `The conductor has no method ${method}.`);
    }
    if (!validate(args)) {
      const first = validate.errors?.[0];
      throw badRequest(
        'gimming.rpc.bad_arguments',
        `Bad arguments to ${method}: ${first?.instancePath || '/'} ${first?.message ?? ''}`.trim(),
      );
    }
    const handler = this.handlers[method as MethodName] as Handler<MethodName>;
    return handler(ctx, args as MethodArgs<MethodName>);
  }
}
