/**
 * Clouds: registering them, finding them by name or ID, and who may see them.
 */
import { randomUUID } from 'node:crypto';
import { ProjectQuotas } from './quotas';
import type { DataSource } from 'typeorm';
import { credentialsRequired } from '../common/cloud-credentials/auth';
import { type KeyManagerOptions, checkSecret, secretHref } from '../common/cloud-credentials/key-manager';
import { SealedCredentials } from '../common/cloud-credentials/seal';
import { type Networks, checkProjectCloudUrl } from '../common/endpoint-filter';
import type { RequestContext } from '../common/context';
import { GimmingError, conflict, forbidden, notFound } from '../common/errors';
import type { AgentRegistry } from './agents';
import { capabilitiesOf } from './capabilities';
import type { AgentGateway, RemoteImage } from './agent-gateway';
import { CloudRow, ImageRow, LocationRow } from './db/entities';
import type { CloudImagePage, CloudImageView, CloudView, MethodArgs } from './rpc-schemas';
import { cloudView, remoteView } from './views';
import { checkCloudKind, needsOwnCredentials, withCloudOptions } from './cloud-kinds';
import { withoutVersionSuffix } from '../common/trim';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function canSeeCloud(ctx: RequestContext, cloud: CloudRow): boolean {
  return cloud.scope === 'shared' || ctx.isAdmin || (cloud.owner !== null && cloud.owner === ctx.projectId);
}

/**
 * Work on a cloud with its own Keystone, or on a project's aws cloud, needs credentials for it: from its
 * key-manager secret, or given with the request. Checked before anything is queued, so that the user
 * hears it at once.
 */
export function checkCredentials(ctx: RequestContext, cloud: CloudRow): void {
  if (
    needsOwnCredentials(cloud) &&
    !cloud.credentialsRef &&
    SealedCredentials.parse(ctx.cloudCredentials).forCloud(cloud.id) === undefined
  ) {
    if (cloud.type === 'openstack') throw credentialsRequired(cloud.name);
    const key = cloud.type === 'aws' ? 'AWS access key' : 'Google service-account key';
    throw new GimmingError(
      'gimming.cloud.credentials_required',
      400,
      `Cloud ${cloud.name} is a project's ${cloud.type} cloud without credentials_ref: give its ${key} ` +
        'with the request (X-Cloud-Credentials).',
    );
  }
}

function checkAuthUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new GimmingError('gimming.cloud.bad_auth_url', 400, 'auth_url is not a URL.');
  }
  if (!['http:', 'https:'].includes(url.protocol) || url.username || url.password || url.search || url.hash) {
    throw new GimmingError(
      'gimming.cloud.bad_auth_url',
      400,
      'auth_url must be an http or https URL without credentials, query or fragment.',
    );
  }
  return withoutVersionSuffix(url.toString(), 'v3');
}

export class CloudService {
  constructor(
    private readonly db: DataSource,
    private readonly agents: AgentRegistry,
    private readonly gateway: AgentGateway,
    private readonly keyManager: KeyManagerOptions & { timeoutMs: number } = {
      interface: 'public',
      regionName: '',
      timeoutMs: 30000,
    },
    /** Where a project cloud's own endpoints may be besides public addresses ([project_clouds]). */
    private readonly projectCloudNetworks: Networks = [],
    private readonly quotas: ProjectQuotas = new ProjectQuotas(),
  ) {}

  /**
   * A cloud the caller can see, by ID, or by name: the caller's project's own cloud of that name, else the
   * shared one (another project's cloud is named by its ID, even by an administrator). 404 otherwise (not
   * 403: existence is not revealed).
   */
  async resolve(ctx: RequestContext, ref: string): Promise<CloudRow> {
    const repo = this.db.getRepository(CloudRow);
    let cloud = UUID_RE.test(ref) ? await repo.findOneBy({ id: ref.toLowerCase() }) : null;
    if (!cloud) {
      const named = (await repo.findBy({ name: ref })).filter(
        (c) => c.scope === 'shared' || (c.owner !== null && c.owner === ctx.projectId),
      );
      cloud = named.find((c) => c.scope === 'project') ?? named[0] ?? null;
    }
    if (!cloud || !canSeeCloud(ctx, cloud)) {
      throw notFound('gimming.cloud.not_found', `Cloud ${ref} was not found.`);
    }
    return cloud;
  }

  /** A cloud to work on now: resolved, and with credentials for it if it has its own Keystone. */
  async resolveForWork(ctx: RequestContext, ref: string): Promise<CloudRow> {
    const cloud = await this.resolve(ctx, ref);
    checkCredentials(ctx, cloud);
    return cloud;
  }

  async create(ctx: RequestContext, args: MethodArgs<'create_cloud'>): Promise<CloudView> {
    const project = args.scope === 'project';
    if (!project && !ctx.isAdmin)
      throw forbidden('gimming.cloud.forbidden', 'Only administrators can register shared clouds.');
    if (project && !ctx.projectId) {
      throw forbidden('gimming.cloud.forbidden', 'A project cloud needs a project-scoped token.');
    }
    if (UUID_RE.test(args.name)) {
      throw new GimmingError('gimming.cloud.bad_name', 400, 'A cloud name cannot have the form of a UUID.');
    }
    // The options its driver reads; an aws cloud's fields are checked whole there.
    const options = checkCloudKind(args, project);
    // Any kind of cloud may be capped (1.18): the copies' token buckets read it from the cloud's options.
    if (args.max_bandwidth !== undefined) options.max_bandwidth = String(args.max_bandwidth);
    if (args.type === 'openstack') {
      if (!project && (args.auth_url !== undefined || args.credentials_ref !== undefined)) {
        throw new GimmingError(
          'gimming.cloud.bad_scope',
          400,
          'Only a project cloud (scope "project") takes auth_url and credentials_ref: a shared cloud is ' +
            "reached with each user's own token.",
        );
      }
      if (args.credentials_ref !== undefined && args.auth_url === undefined) {
        throw new GimmingError(
          'gimming.cloud.bad_credentials_ref',
          400,
          'credentials_ref needs auth_url: the credentials are for the identity service at auth_url.',
        );
      }
    }
    const authUrl = args.auth_url === undefined ? null : checkAuthUrl(args.auth_url);
    if (authUrl) await checkProjectCloudUrl(authUrl, this.projectCloudNetworks, 'identity service');
    let credentialsRef: string | null = null;
    if (args.credentials_ref !== undefined) {
      credentialsRef = secretHref(ctx, args.credentials_ref, this.keyManager);
      await checkSecret(ctx, credentialsRef, this.keyManager, this.keyManager.timeoutMs);
    }
    if (project) await this.quotas.checkClouds(this.db.manager, ctx.projectId as string);
    if (project && (await this.db.getRepository(CloudRow).existsBy({ name: args.name, scope: 'shared' }))) {
      // Shared names are known to everyone: a project cloud would hide the shared one from its project.
      throw conflict(
        'gimming.cloud.duplicate',
        `A shared cloud named ${args.name} exists; choose another name.`,
      );
    }
    const now = new Date();
    const row = Object.assign(new CloudRow(), {
      id: randomUUID(),
      name: args.name,
      type: args.type,
      regionName: args.region_name,
      zone: args.zone ?? args.name,
      scope: project ? 'project' : 'shared',
      owner: project ? (ctx.projectId as string) : null,
      authUrl,
      credentialsRef,
      options: Object.keys(options).length > 0 ? JSON.stringify(options) : null,
      createdAt: now,
      updatedAt: now,
    });
    try {
      await this.db.getRepository(CloudRow).insert(row);
    } catch (err) {
      if ((err as { code?: string }).code === 'ER_DUP_ENTRY') {
        throw conflict('gimming.cloud.duplicate', `A cloud named ${args.name} already exists.`);
      }
      throw err;
    }
    return (await this.views([row]))[0] as CloudView;
  }

  /** Clouds as GIMinG shows them: with their zone's live agents and what their kind of cloud can do. */
  private async views(rows: CloudRow[]): Promise<CloudView[]> {
    const [up, capabilities] = await Promise.all([
      this.agents.countAliveByZone(),
      this.agents.capabilitiesByZone(),
    ]);
    return rows.map((c) =>
      withCloudOptions(cloudView(c, up.get(c.zone) ?? 0, capabilitiesOf(capabilities, c)), c),
    );
  }

  /**
   * Unregisters a cloud that no image has a copy in (nor a task works on): a shared cloud by an
   * administrator, a project cloud by its project (or an administrator).
   */
  async delete(ctx: RequestContext, ref: string): Promise<void> {
    const cloud = await this.resolve(ctx, ref);
    const owns = cloud.scope === 'project' && cloud.owner !== null && cloud.owner === ctx.projectId;
    if (!ctx.isAdmin && !owns)
      throw forbidden('gimming.cloud.forbidden', 'Only administrators can remove shared clouds.');
    const used = await this.db.query<Array<{ n: number | string }>>(
      `SELECT (SELECT COUNT(*) FROM locations WHERE cloud_id = ?) +
              (SELECT COUNT(*) FROM tasks WHERE (cloud_id = ? OR source_cloud_id = ?)
                 AND status IN ('pending', 'running', 'cancelling')) AS n`,
      [cloud.id, cloud.id, cloud.id],
    );
    if (Number(used[0]?.n ?? 0) > 0) {
      throw conflict(
        'gimming.cloud.in_use',
        `Cloud ${cloud.name} holds copies GIMinG tracks; unlink or delete them first.`,
      );
    }
    await this.db.getRepository(CloudRow).delete({ id: cloud.id });
  }

  async list(ctx: RequestContext): Promise<CloudView[]> {
    const rows = await this.db.getRepository(CloudRow).find({ order: { name: 'ASC' } });
    return this.views(rows.filter((c) => canSeeCloud(ctx, c)));
  }

  async get(ctx: RequestContext, ref: string): Promise<CloudView> {
    const row = await this.resolve(ctx, ref);
    return (await this.views([row]))[0] as CloudView;
  }

  /**
   * Browses a cloud, live: the images the user can see there, each marked with the GIMinG image that tracks
   * it (only when the user can see that image too), so that untracked ones can be adopted.
   */
  async listImages(
    ctx: RequestContext,
    args: MethodArgs<'list_cloud_images'>,
  ): Promise<CloudImageView[] | CloudImagePage> {
    const cloud = await this.resolveForWork(ctx, args.cloud);
    const agent = await this.agents.pick(cloud.zone);
    if (args.paged) {
      // 1.19: the agent pages natively; an agent older than that lists by count (paged false).
      const page = await this.gateway.listImagesPage(
        ctx,
        agent.address,
        cloud,
        args.limit,
        args.marker ?? '',
      );
      return {
        images: await this.tracking(ctx, cloud, page.images),
        next_marker: page.paged && page.next !== '' ? page.next : null,
        paged: page.paged,
      };
    }
    return this.tracking(
      ctx,
      cloud,
      await this.gateway.listImages(ctx, agent.address, cloud, {}, args.limit),
    );
  }

  /** The images as a browse shows them: each with the GIMinG image that tracks it, if the user sees it. */
  private async tracking(
    ctx: RequestContext,
    cloud: CloudRow,
    images: RemoteImage[],
  ): Promise<CloudImageView[]> {
    const tracked = new Map<string, string>();
    if (images.length > 0) {
      const rows = await this.db
        .createQueryBuilder()
        .select(['l.remote_id AS remote_id', 'l.image_id AS image_id'])
        .from(LocationRow, 'l')
        .innerJoin(ImageRow, 'i', 'i.id = l.image_id')
        .where('l.cloud_id = :cloud AND l.remote_id IN (:...ids)', {
          cloud: cloud.id,
          ids: images.map((i) => i.id),
        })
        .andWhere(ctx.isAdmin ? '1=1' : 'i.owner = :owner', { owner: ctx.projectId ?? '' })
        .getRawMany<{ remote_id: string; image_id: string }>();
      for (const row of rows) tracked.set(row.remote_id, row.image_id);
    }
    return images.map((i) => ({
      id: i.id,
      created_at: i.created_at,
      tracked_by: tracked.get(i.id) ?? null,
      ...remoteView(i),
    }));
  }

  async namesById(): Promise<Map<string, string>> {
    const rows = await this.db.getRepository(CloudRow).find({ select: { id: true, name: true } });
    return new Map(rows.map((r) => [r.id, r.name]));
  }
}
