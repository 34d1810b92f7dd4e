/**
 * Making images: adopting one that lives in a cloud (and queueing its copies to the targets), recording
 * one whose data will be uploaded or imported, and syncing an image to more clouds.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { RequestContext } from '../common/context';
import { GimmingError, badRequest, conflict } from '../common/errors';
import { getLogger } from '../common/log';
import type { AgentGateway } from './agent-gateway';
import type { AgentRegistry } from './agents';
import { identityColumns, remoteIdentity } from './byte-identity';
import type { CloudService } from './clouds';
import { CloudRow, ImageRow, LocationRow, TaskRow } from './db/entities';
import { capabilitiesOf } from './capabilities';
import { assertMayTrack, assertNotDeleting } from './image-guards';
import { UNPROVEN, identityUnknown, learnsIdentity } from './learned-identity';
import type { ImageQueries } from './image-queries';
import { specColumn } from './image-spec';
import { assertPlanned, CopyPlanner, planCloud, stagedSource } from './plan-inputs';
import { type Plan, copyPlanOf } from './planner';
import { type SyncDeps, incrementalBase, syncSteps } from './sync-steps';
import { createConflicts, renameConflicting } from './create-conflicts';
import type { IncrementalBase } from './incremental-plan';
import { ConductorNotifier } from './notify';
import { ProjectQuotas, stagedBytesExceeded } from './quotas';
import type { RemoteTags } from './remote-tags';
import type { ImageView, MethodArgs } from './rpc-schemas';
import type { TaskQueue } from './task-queue';
import { pendingImportUrls } from './tasks/import-urls';
import type { Trusts } from './trusts';
import { crashPoint } from '../common/test-hooks';

const log = getLogger('conductor.images');

export class ImageAdoption {
  constructor(
    private readonly db: DataSource,
    private readonly clouds: CloudService,
    private readonly agents: AgentRegistry,
    private readonly gateway: AgentGateway,
    private readonly queries: ImageQueries,
    private readonly queue: TaskQueue,
    private readonly tags: RemoteTags,
    private readonly trusts: Trusts,
    private readonly notify: ConductorNotifier = ConductorNotifier.noop(),
    private readonly quotas: ProjectQuotas = new ProjectQuotas(),
    /** What an import reserves of the staging area at most ([agent] staging_max_upload_bytes). */
    private readonly maxImportBytes = 2147483648,
  ) {
    this.planner = new CopyPlanner(agents, gateway);
  }

  private readonly planner: CopyPlanner;

  private syncDeps(): SyncDeps {
    const { db, clouds, agents, gateway, planner } = this;
    return { db, clouds, agents, gateway, planner };
  }

  /** Adopts `source` and queues a copy to each target; without a source, records an image to upload. */
  /** With dry_run, the plan of its copies (planner.ts) and nothing else: no image, location or task. */
  async create(ctx: RequestContext, args: MethodArgs<'create_image'>): Promise<ImageView | { plan: Plan }> {
    if (args.dry_run) return this.createImage(ctx, args);
    return this.queue.withTrustCleanup(ctx, () => this.createImage(ctx, args));
  }

  private async createImage(
    ctx: RequestContext,
    args: MethodArgs<'create_image'>,
  ): Promise<ImageView | { plan: Plan }> {
    if (!ctx.projectId)
      throw new GimmingError('gimming.auth.no_project', 403, 'A project-scoped token is needed.');
    if (!args.source) return this.createForUpload(ctx, args);
    if ('url' in args.source) return this.createForUpload(ctx, args, args.source.url);
    const dryRun = args.dry_run === true;
    if (args.targets.length > 0 && !dryRun) void this.trusts.forRequest(ctx); // made while the source is read
    const adopt = args.source;
    const source = await this.clouds.resolveForWork(ctx, adopt.cloud);
    const targets: CloudRow[] = [];
    for (const ref of args.targets) {
      const target = await this.clouds.resolveForWork(ctx, ref);
      if (target.id === source.id) {
        throw badRequest(
          'gimming.image.target_is_source',
          `Cloud ${target.name} is the source; it cannot be a target too.`,
        );
      }
      if (!targets.some((t) => t.id === target.id)) targets.push(target);
    }
    const sourceAgent = await this.agents.pick(source.zone);
    if (!dryRun) for (const target of targets) await this.agents.pick(target.zone);

    const remote = await this.gateway.describeImage(ctx, sourceAgent.address, source, adopt.image_id);
    assertMayTrack(ctx, source, remote);
    if (remote.status !== 'active') {
      throw conflict(
        'gimming.remote_image.not_active',
        `Image ${remote.id} in cloud ${source.name} is ${remote.status}, not active.`,
      );
    }
    let identity = identityColumns(remoteIdentity(remote));
    // A cloud that reports no hashes (EC2): the identity of an image GIMinG never saw (no proof recorded
    // on it) is learned from its first copy, and nothing is known of it until then, not even its size.
    const learning =
      identityUnknown(identity) &&
      learnsIdentity(capabilitiesOf(await this.agents.capabilitiesByZone(), source));
    if (learning) identity = { size: null, checksum: null, osHashAlgo: null, osHashValue: null };
    else if (identityUnknown(identity)) {
      throw conflict(
        'gimming.remote_image.no_hash',
        `Image ${remote.id} in cloud ${source.name} exposes no checksum to verify copies with.`,
      );
    }

    // Each copy is planned from this one (planner.ts); a refused target refuses the adoption.
    const pc = await this.planner.context(identity.size);
    const spec = { disk_format: remote.disk_format, container_format: remote.container_format };
    const sources = [{ cloud: planCloud(source), proof: learning ? UNPROVEN : ('cloud' as const), spec }];
    const id = randomUUID();
    const specName = args.name ?? (remote.name || remote.id);
    const { plan, renames, copies } = await createConflicts(
      this.syncDeps(),
      ctx,
      { id, specName, ...identity },
      targets,
      args.on_conflict,
      sources,
      pc,
      dryRun,
    );
    if (dryRun) return { plan };
    assertPlanned(plan);
    await renameConflicting(this.gateway, ctx, id, renames); // before any byte moves
    const now = new Date();
    const image: ImageRow = Object.assign(new ImageRow(), {
      id,
      specName,
      owner: ctx.projectId,
      specVisibility: args.visibility ?? 'private',
      status: 'active',
      size: identity.size,
      checksum: identity.checksum,
      osHashAlgo: identity.osHashAlgo,
      osHashValue: identity.osHashValue,
      // Its copies get the source copy's live metadata: nothing of it is kept here.
      spec: specColumn({}),
      stagingAgent: null,
      stagingReserved: null,
      maxBandwidth: args.max_bandwidth ?? null,
      createdAt: now,
      updatedAt: now,
    } satisfies ImageRow);
    const taskIds: string[] = [];
    try {
      await this.db.transaction(async (m) => {
        await this.quotas.checkTasks(m, image.owner, copies.length);
        await m.insert(ImageRow, image);
        await m.insert(LocationRow, {
          id: randomUUID(),
          imageId: image.id,
          owner: image.owner,
          cloudId: source.id,
          remoteId: remote.id,
          status: 'active',
          taskId: null,
          // The image's identity is its cloud's hashes of this very copy, or else is learned from its first.
          proof: learning ? UNPROVEN : 'cloud',
          lastVerifiedAt: now,
          createdAt: now,
          updatedAt: now,
        });
        for (const { target, step } of copies) {
          taskIds.push(
            await this.queue.queueCopy(
              m,
              ctx,
              image,
              source,
              target,
              now,
              undefined,
              copyPlanOf(step),
              args.max_bandwidth,
            ),
          );
        }
      });
    } catch (err) {
      if ((err as { code?: string }).code === 'ER_DUP_ENTRY') {
        throw conflict(
          'gimming.location.already_tracked',
          `Image ${remote.id} in cloud ${source.name} is already tracked by GIMinG.`,
        );
      }
      throw err;
    }
    crashPoint('after_create_commit'); // tests only
    log.info(
      { image_id: image.id, source: source.name, targets: targets.map((t) => t.name), learning },
      learning ? 'image adopted; its identity is learned from its first copy' : 'image adopted',
    );
    this.notify.imageCreated(ctx, image, {
      source,
      sourceImageId: remote.id,
      diskFormat: remote.disk_format || null,
      containerFormat: remote.container_format || null,
      targets: copies.map((c) => c.target),
      taskIds,
    });
    const view = await this.queries.view(image); // as committed: the copies are queued
    await this.queue.submit(ctx, taskIds, 'copy');
    await this.tags.tag(ctx, sourceAgent.address, source, remote.id, image.id);
    return view;
  }

  /**
   * Records an image whose data will be uploaded (PUT /v1/images/{id}/file), with a location per target;
   * with `importUrl`, its data is imported from that URL by the staging agent instead, as a task.
   */
  private async createForUpload(
    ctx: RequestContext,
    args: MethodArgs<'create_image'>,
    importUrl?: string,
  ): Promise<ImageView | { plan: Plan }> {
    if (!args.disk_format || !args.container_format) {
      throw badRequest(
        'gimming.image.formats_required',
        'An image to upload needs disk_format and container_format.',
      );
    }
    if (args.targets.length === 0)
      throw badRequest('gimming.image.no_target', 'Name at least one target cloud.');
    const all: CloudRow[] = [];
    for (const ref of args.targets) {
      const target = await this.clouds.resolveForWork(ctx, ref);
      if (!all.some((t) => t.id === target.id)) all.push(target);
    }
    // The copies from the staged data are planned now, before any byte is sent (planner.ts).
    const id = randomUUID();
    const specName = args.name ?? 'unnamed';
    const pc = await this.planner.context(null);
    const staged = [stagedSource(args)];
    const unknown = { size: null, checksum: null, osHashAlgo: null, osHashValue: null };
    const { plan, renames, replaces, copies } = await createConflicts(
      this.syncDeps(),
      ctx,
      { id, specName, ...unknown },
      all,
      args.on_conflict,
      staged,
      pc,
      args.dry_run === true,
    );
    if (args.dry_run) return { plan };
    for (const target of all) await this.agents.pick(target.zone);
    assertPlanned(plan);
    await renameConflicting(this.gateway, ctx, id, renames);
    const targets = copies.map((c) => c.target); // a skipped target (on_conflict skip) gets no location
    // An import is staged by an agent of the first target's zone, so that copy stays local.
    const stagingAgent = importUrl ? await this.agents.pick((all[0] as CloudRow).zone) : undefined;
    const now = new Date();
    const image: ImageRow = Object.assign(new ImageRow(), {
      id,
      specName,
      owner: ctx.projectId as string,
      specVisibility: args.visibility ?? 'private',
      status: 'queued',
      size: null,
      checksum: null,
      osHashAlgo: null,
      osHashValue: null,
      spec: specColumn({
        disk_format: args.disk_format,
        container_format: args.container_format,
        min_disk: args.min_disk ?? 0,
        min_ram: args.min_ram ?? 0,
        properties: args.properties ?? {},
        // on_conflict replace: the old images the copies replace, once the data is staged (uploads.ts)
        ...(Object.keys(replaces).length > 0 ? { replaces } : {}),
      }),
      stagingAgent: stagingAgent?.address ?? null,
      stagingReserved: null,
      // The cap of the copies queued once the data is staged (uploads.ts finish).
      maxBandwidth: args.max_bandwidth ?? null,
      createdAt: now,
      updatedAt: now,
    } satisfies ImageRow);
    if (stagingAgent) image.status = 'importing';
    const importTaskId = stagingAgent ? randomUUID() : undefined;
    await this.db.transaction(async (m) => {
      if (importTaskId) {
        // An import counts as one task until its copies start, and reserves staging room for its data.
        await this.quotas.checkTasks(m, image.owner, 1);
        const room = await this.quotas.stagingRoom(m, image.owner, image.id);
        if (room !== undefined && room <= 0) {
          throw stagedBytesExceeded(image.owner, this.quotas.limits.stagedBytes, room);
        }
        image.stagingReserved = Math.min(this.maxImportBytes, room ?? Infinity);
      }
      await m.insert(ImageRow, image);
      if (importTaskId) {
        await m.insert(
          TaskRow,
          await this.queue.newTask(ctx, image, now, {
            id: importTaskId,
            type: 'import',
            cloudId: (all[0] as CloudRow).id,
            sourceCloudId: null,
            bytesTotal: null,
          }),
        );
      }
      for (const target of targets) {
        await m.insert(LocationRow, {
          id: randomUUID(),
          imageId: image.id,
          owner: image.owner,
          cloudId: target.id,
          remoteId: null,
          status: 'queued',
          taskId: null,
          lastVerifiedAt: null,
          createdAt: now,
          updatedAt: now,
        });
      }
    });
    crashPoint('after_create_commit'); // tests only
    this.notify.imageCreated(ctx, image, {
      source: null,
      diskFormat: args.disk_format,
      containerFormat: args.container_format,
      targets,
      taskIds: importTaskId ? [importTaskId] : [],
    });
    if (importTaskId && importUrl) {
      log.info(
        { image_id: image.id, targets: targets.map((t) => t.name) },
        'image recorded, importing its data',
      );
      pendingImportUrls.set(importTaskId, importUrl);
      const view = await this.queries.view(image);
      await this.queue.submit(ctx, [importTaskId], 'import');
      return view;
    }
    log.info(
      { image_id: image.id, targets: targets.map((t) => t.name) },
      'image recorded, waiting for its data',
    );
    return this.queries.view(image);
  }

  /**
   * Spreads an image to more clouds, or retries the ones that failed. Clouds that hold a good copy, or
   * are getting one, are left alone; a cloud that already holds an image tagged with this image's ID and
   * the same bytes gets that image as its location instead of a new copy (so re-runs are idempotent).
   */
  async sync(ctx: RequestContext, args: MethodArgs<'sync_image'>): Promise<ImageView> {
    return this.queue.withTrustCleanup(ctx, () => this.syncImage(ctx, args));
  }

  /** The plan of a sync (planner.ts), changing nothing: what `sync_image` with dry_run answers. */
  async planSync(ctx: RequestContext, args: MethodArgs<'sync_image'>): Promise<{ plan: Plan }> {
    const image = await this.queries.find(ctx, args.image_id);
    assertNotDeleting(image);
    const base = await this.baseOf(ctx, image, args);
    const { plan } = await syncSteps(this.syncDeps(), ctx, image, args, true, base);
    return { plan };
  }

  /** The base a sync names (incremental_from), found as the user sees images (not found: 404). */
  private async baseOf(
    ctx: RequestContext,
    image: ImageRow,
    args: MethodArgs<'sync_image'>,
  ): Promise<IncrementalBase | undefined> {
    if (!args.incremental_from) return undefined;
    return incrementalBase(this.db, image, await this.queries.find(ctx, args.incremental_from));
  }

  private async syncImage(ctx: RequestContext, args: MethodArgs<'sync_image'>): Promise<ImageView> {
    const image = await this.queries.find(ctx, args.image_id);
    assertNotDeleting(image);
    void this.trusts.forRequest(ctx); // made while the targets are looked at
    const base = await this.baseOf(ctx, image, args);
    const {
      plan: whole,
      steps,
      sourceClouds,
    } = await syncSteps(this.syncDeps(), ctx, image, args, false, base);
    assertPlanned(whole); // before anything is recorded: a refused target refuses the whole sync
    const plan = steps.filter((s) => s.plan.path !== 'present' && s.plan.path !== 'skipped');
    // on_conflict rename: the old image of the name gets its new name before any byte moves.
    const renames = plan.flatMap((s) => (s.rename ? [{ target: s.target, rename: s.rename }] : []));
    await renameConflicting(this.gateway, ctx, image.id, renames);
    const now = new Date();
    const taskIds: string[] = [];
    await this.db.transaction(async (m) => {
      await this.quotas.checkTasks(m, image.owner, plan.filter((step) => !step.adopt).length);
      for (const step of plan) {
        if (step.adopt) {
          const fields = {
            remoteId: step.adopt,
            status: 'active',
            taskId: null,
            lastVerifiedAt: now,
            updatedAt: now,
          };
          if (step.existing) await m.update(LocationRow, { id: step.existing.id }, fields);
          else
            await m.insert(LocationRow, {
              id: randomUUID(),
              imageId: image.id,
              owner: image.owner,
              cloudId: step.target.id,
              createdAt: now,
              ...fields,
            });
          log.info(
            { image_id: image.id, cloud: step.target.name, remote_id: step.adopt },
            'tagged copy adopted',
          );
        } else {
          const from = sourceClouds.find((c) => c.id === step.plan.source_cloud_id) ?? null;
          taskIds.push(
            await this.queue.queueCopy(
              m,
              ctx,
              image,
              from,
              step.target,
              now,
              step.existing,
              copyPlanOf(step.plan),
              args.max_bandwidth,
            ),
          );
        }
      }
    });
    const view = await this.queries.view(image);
    await this.queue.submit(ctx, taskIds, 'copy');
    return view;
  }
}
