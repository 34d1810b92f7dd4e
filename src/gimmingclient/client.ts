/**
 * The GIMinG SDK: one object per resource of the REST API v1, on a Keystone session.
 *
 *     const client = GimmingClient.fromCloud({ cloud: 'devstack' });
 *     const image = await client.images.adopt({ cloud: 'zone-a', imageId: '...', targets: ['zone-b'] });
 *     for await (const task of client.tasks.list({ imageId: image.id })) console.log(task.status);
 */
import { createReadStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { Transform, type TransformCallback } from 'node:stream';
import type {
  ChannelHistoryEntryView,
  ChannelView,
  CloudImageView,
  CloudView,
  FamilyVersionView,
  FamilyView,
  LifecycleChangeView,
  ResolvedChannelView,
  ImageDeletionView,
  ImageView,
  LocationView,
  MatrixView,
  MemberView,
  PlanView,
  RemoteView,
  TargetsView,
  TaskView,
  WebhookDeliveryView,
  WebhookView,
} from '../gimming-api/schemas/v1-responses';
import { type CloudConfig, resolveCloud } from './cloud-config';
import { Session, type SessionOptions } from './session';
import { versionAtLeast } from './api-version';
import { GimmingClientError } from './errors';

// The REST API's answers, as its schemas define them (the SDK knows nothing of the conductor).
export type {
  ChannelHistoryEntryView,
  ChannelView,
  CloudImageView,
  CloudView,
  FamilyVersionView,
  FamilyView,
  LifecycleChangeView,
  ResolvedChannelView,
  ImageDeletionView,
  ImageView,
  LocationView,
  MatrixView,
  MemberView,
  PlanView,
  RemoteView,
  TargetsView,
  TaskView,
  WebhookDeliveryView,
  WebhookView,
};

export type Visibility = 'private' | 'shared' | 'community' | 'public';

/** A sync's policy for another image of the name in a target (API 1.3). */
export type ConflictPolicy = 'refuse' | 'skip' | 'rename' | 'replace';
export type OnConflict = ConflictPolicy | Record<string, ConflictPolicy>;

export interface AdoptArgs {
  cloud: string;
  imageId: string;
  targets: string[];
  name?: string;
  visibility?: Visibility;
  /** A target holding another image of the name (API 1.7): refused by default, or this policy. */
  onConflict?: OnConflict;
}

function adoptBody(args: AdoptArgs): Record<string, unknown> {
  return {
    source: { cloud: args.cloud, image_id: args.imageId },
    targets: args.targets,
    ...(args.name ? { name: args.name } : {}),
    ...(args.visibility ? { visibility: args.visibility } : {}),
    ...(args.onConflict ? { on_conflict: args.onConflict } : {}),
  };
}

function createBody(args: NewImage & { url?: string }): Record<string, unknown> {
  return {
    name: args.name,
    disk_format: args.diskFormat,
    container_format: args.containerFormat,
    targets: args.targets,
    ...(args.visibility ? { visibility: args.visibility } : {}),
    ...(args.minDisk !== undefined ? { min_disk: args.minDisk } : {}),
    ...(args.minRam !== undefined ? { min_ram: args.minRam } : {}),
    ...(args.properties ? { properties: args.properties } : {}),
    ...(args.url ? { source: { url: args.url } } : {}),
    ...(args.maxBandwidth !== undefined ? { max_bandwidth: args.maxBandwidth } : {}),
    ...(args.onConflict ? { on_conflict: args.onConflict } : {}),
  };
}

export interface ListOptions {
  /** Page size asked of the server. */
  pageSize?: number;
  /** Start after this item. */
  marker?: string;
  /** Stop after this many items. */
  limit?: number;
  allProjects?: boolean;
}

type Query = Record<string, string | string[] | undefined>;

/** Walks a paged list (`limit`, `marker`, `next`) as one sequence. */
async function* paged<T extends { id: string }>(
  session: Session,
  path: string,
  key: string,
  query: Query,
  opts: ListOptions,
): AsyncGenerator<T> {
  let marker = opts.marker;
  let left = opts.limit ?? Infinity;
  for (;;) {
    const pageSize = Math.min(opts.pageSize ?? 100, left);
    const { body } = await session.request<Record<string, unknown>>('GET', path, {
      query: {
        ...query,
        limit: String(pageSize),
        ...(marker ? { marker } : {}),
        ...(opts.allProjects ? { all_projects: 'true' } : {}),
      },
    });
    const items = (body[key] ?? []) as T[];
    for (const item of items) {
      yield item;
      left -= 1;
      if (left <= 0) return;
    }
    if (!body.next || items.length === 0) return;
    marker = (items[items.length - 1] as T).id;
  }
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const enc = encodeURIComponent;

interface CloudImagePage {
  images: CloudImageView[];
  next?: string;
}

export class CloudsApi {
  constructor(private readonly session: Session) {}

  async list(): Promise<CloudView[]> {
    return (await this.session.request<{ clouds: CloudView[] }>('GET', '/v1/clouds')).body.clouds;
  }

  async get(cloud: string): Promise<CloudView> {
    return (await this.session.request<CloudView>('GET', `/v1/clouds/${enc(cloud)}`)).body;
  }

  /**
   * Registers a cloud: shared (administrators), or `project: true` for one of the caller's project, which
   * may have its own identity service (`authUrl`) with credentials in a key-manager secret
   * (`credentialsRef`, a secret UUID or href) or given with each request. An `aws` cloud is one AWS
   * account in one region (`regionName`, such as us-east-1) with the S3 bucket for its transfers
   * (`bucket`); a project's one takes its access key from `credentialsRef` (or with each request). A
   * `gcp` cloud is one Google Cloud project (`gcpProject`) with its Cloud Storage `bucket`, optionally a
   * `storageLocation` and a default image `family`.
   */
  async create(args: {
    name: string;
    regionName: string;
    zone?: string;
    type?: string;
    project?: boolean;
    authUrl?: string;
    credentialsRef?: string;
    bucket?: string;
    gcpProject?: string;
    storageLocation?: string;
    family?: string;
    /** Every copy to or from the cloud is held to this (API 1.4): bytes/s, or with a unit. */
    maxBandwidth?: number | string;
  }): Promise<CloudView> {
    const json = {
      name: args.name,
      type: args.type ?? 'openstack',
      region_name: args.regionName,
      ...(args.zone ? { zone: args.zone } : {}),
      ...(args.project ? { scope: 'project' } : {}),
      ...(args.authUrl ? { auth_url: args.authUrl } : {}),
      ...(args.credentialsRef ? { credentials_ref: args.credentialsRef } : {}),
      ...(args.bucket ? { bucket: args.bucket } : {}),
      ...(args.gcpProject ? { project: args.gcpProject } : {}),
      ...(args.storageLocation ? { storage_location: args.storageLocation } : {}),
      ...(args.family ? { family: args.family } : {}),
      ...(args.maxBandwidth !== undefined ? { max_bandwidth: args.maxBandwidth } : {}),
    };
    return (await this.session.request<CloudView>('POST', '/v1/clouds', { json })).body;
  }

  async delete(cloud: string): Promise<void> {
    await this.session.request('DELETE', `/v1/clouds/${enc(cloud)}`);
  }

  /**
   * The images the user can see in the cloud, live, each with the GIMinG image tracking it (or null):
   * at most `limit` (a number, as before, or in the options), in pages of `pageSize` whose `next` links
   * are followed (microversion 1.1; a 1.0 server answers one page).
   */
  async images(cloud: string, opts: number | ListOptions = {}): Promise<CloudImageView[]> {
    const o: ListOptions = typeof opts === 'number' ? { limit: opts } : opts;
    const out: CloudImageView[] = [];
    let left = o.limit ?? Infinity;
    let path: string | undefined = `/v1/clouds/${enc(cloud)}/images`;
    let query: Query = {
      ...(o.pageSize || o.limit ? { limit: String(Math.min(o.pageSize ?? Infinity, left)) } : {}),
      ...(o.marker ? { marker: o.marker } : {}),
    };
    while (path !== undefined && left > 0) {
      const answer: { body: CloudImagePage } = await this.session.request<CloudImagePage>('GET', path, {
        query,
      });
      const body = answer.body;
      const page = body.images.slice(0, left === Infinity ? undefined : left);
      out.push(...page);
      left -= page.length;
      if (!body.next || body.images.length === 0) break;
      // The next link is a path with its query; the page size is kept, or lowered to what is left.
      // Only its path and query are used: the request goes to this session's endpoint, never elsewhere.
      const next: URL = new URL(body.next, 'http://next.invalid');
      path = next.pathname;
      query = Object.fromEntries(next.searchParams);
      if (left !== Infinity && Number(query.limit ?? Infinity) > left) query.limit = String(left);
    }
    return out;
  }
}

export interface ImageFilters {
  name?: string;
  status?: string;
  visibility?: Visibility;
  cloud?: string;
  /** `key[:asc|desc]` */
  sort?: string;
}

export interface NewImage {
  name: string;
  diskFormat: string;
  containerFormat: string;
  targets: string[];
  visibility?: Visibility;
  minDisk?: number;
  minRam?: number;
  properties?: Record<string, string>;
  /** The copies' bandwidth cap (API 1.4): bytes/s, or with a unit ("100M", "80MiB/s", "1Gbit"). */
  maxBandwidth?: number | string;
  /** A target holding another image of the name (API 1.7): refused by default, or this policy. */
  onConflict?: OnConflict;
}

/** Counts bytes as they pass, for progress. */
class ProgressMeter extends Transform {
  private done = 0;
  constructor(private readonly onProgress: (bytes: number) => void) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.done += chunk.length;
    this.onProgress(this.done);
    cb(null, chunk);
  }
}

export class MembersApi {
  constructor(private readonly session: Session) {}

  async list(imageId: string): Promise<MemberView[]> {
    return (
      await this.session.request<{ members: MemberView[] }>('GET', `/v1/images/${enc(imageId)}/members`)
    ).body.members;
  }

  async add(imageId: string, projectId: string): Promise<MemberView> {
    return (
      await this.session.request<MemberView>('POST', `/v1/images/${enc(imageId)}/members`, {
        json: { member: projectId },
      })
    ).body;
  }

  async remove(imageId: string, projectId: string): Promise<void> {
    await this.session.request('DELETE', `/v1/images/${enc(imageId)}/members/${enc(projectId)}`);
  }
}

export class ImagesApi {
  readonly members: MembersApi;

  constructor(private readonly session: Session) {
    this.members = new MembersApi(session);
  }

  list(filters: ImageFilters = {}, opts: ListOptions = {}): AsyncGenerator<ImageView> {
    return paged<ImageView>(this.session, '/v1/images', 'images', { ...filters }, opts);
  }

  async get(id: string): Promise<ImageView> {
    return (await this.session.request<ImageView>('GET', `/v1/images/${enc(id)}`)).body;
  }

  /** Tracks an image that lives in `cloud` and copies it to the targets (tasks). */
  async adopt(args: AdoptArgs): Promise<ImageView> {
    return (await this.session.request<ImageView>('POST', '/v1/images', { json: adoptBody(args) })).body;
  }

  /** The plan of adopt(args): where each copy reads from, how, the bytes moved, or why it is refused. */
  async planAdopt(args: AdoptArgs): Promise<PlanView> {
    return this.plan('/v1/images', adoptBody(args));
  }

  /** Records an image whose data is uploaded next (upload()), or imported from `url` by GIMinG. */
  async create(args: NewImage & { url?: string }): Promise<ImageView> {
    return (await this.session.request<ImageView>('POST', '/v1/images', { json: createBody(args) })).body;
  }

  /** The plan of create(args)'s copies (from the data to upload or import), creating nothing. */
  async planCreate(args: NewImage & { url?: string }): Promise<PlanView> {
    return this.plan('/v1/images', createBody(args));
  }

  /** The plan of sync(id, targets), changing nothing. */
  async planSync(
    id: string,
    targets: string[],
    onConflict?: OnConflict,
    opts: { incrementalFrom?: string } = {},
  ): Promise<PlanView> {
    return this.plan(`/v1/images/${enc(id)}/sync`, {
      targets,
      ...(onConflict ? { on_conflict: onConflict } : {}),
      ...(opts.incrementalFrom ? { incremental_from: opts.incrementalFrom } : {}),
    });
  }

  private async plan(path: string, json: unknown): Promise<PlanView> {
    return (await this.session.request<PlanView>('POST', path, { json, query: { dry_run: 'true' } })).body;
  }

  /** Streams the image's data from a file or a stream, once; `onProgress` sees the bytes sent. */
  async upload(
    id: string,
    data: string | Readable,
    opts: {
      size?: number;
      onProgress?: (bytes: number) => void;
      /** The data's sha256 (hex), checked by the server; data it holds staged already is not sent twice. */
      sha256?: string;
      /** Times an upload of a file cut short by the network is resumed (default 4; 1.6). */
      retries?: number;
      /** Milliseconds before the first resume, doubled each time (default 500). */
      backoffMs?: number;
    } = {},
  ): Promise<void> {
    const path = `/v1/images/${enc(id)}/file`;
    const extra: Record<string, string> = opts.sha256 ? { 'Gimming-Content-Sha256': opts.sha256 } : {};
    const send = (stream: Readable, size: number | undefined, headers: Record<string, string>) => {
      const body = opts.onProgress ? stream.pipe(new ProgressMeter(opts.onProgress)) : stream;
      if (opts.onProgress) stream.once('error', (err) => body.destroy(err));
      return this.session.upload(path, body, size, headers);
    };
    if (typeof data !== 'string') return send(data, opts.size, extra);
    const size = opts.size ?? statSync(data).size;
    // Since 1.6 a file's upload cut short by the network is resumed from the bytes the server kept.
    const resumable = size > 0 && versionAtLeast(await this.session.apiVersion(), '1.6');
    const retries = resumable ? (opts.retries ?? 4) : 0;
    let offset = 0;
    for (let attempt = 0; ; attempt++) {
      const stream = createReadStream(data, { highWaterMark: 1024 * 1024, start: offset });
      // A resumed upload says where it continues, even from byte 0 (nothing was kept of it).
      const range: Record<string, string> =
        attempt > 0 ? { 'Content-Range': `bytes ${offset}-${size - 1}/${size}` } : {};
      try {
        await send(stream, size - offset, { ...extra, ...range });
        return;
      } catch (err) {
        stream.destroy();
        if (
          !(err instanceof GimmingClientError) ||
          err.code !== 'client.upload_failed' ||
          attempt >= retries
        ) {
          throw err;
        }
        const next = await this.resumeOffset(path, attempt, opts.backoffMs ?? 500);
        if (next === 'complete') return;
        if (next === undefined) throw err;
        offset = next;
      }
    }
  }

  /**
   * Where an upload cut short continues, once the server noticed the cut: the staged offset, 'complete'
   * (the data arrived whole, or was deduplicated), undefined when the server kept nothing to resume.
   */
  private async resumeOffset(
    path: string,
    attempt: number,
    backoffMs: number,
  ): Promise<number | 'complete' | undefined> {
    for (let wait = 0; wait < 5; wait++) {
      await new Promise((r) => setTimeout(r, backoffMs * 2 ** (attempt + wait)));
      let headers;
      try {
        headers = await this.session.head(path);
      } catch {
        continue; // the server is out of reach for now
      }
      const state = String(headers['gimming-upload-state'] ?? '');
      if (state === 'complete') return 'complete';
      if (state === 'suspended') return Number(headers['upload-offset'] ?? 0);
      if (state === 'none') return 0;
      // receiving: the server has not yet seen the cut
    }
    return undefined;
  }

  async update(id: string, changes: { name?: string; visibility?: Visibility }): Promise<ImageView> {
    return (
      await this.session.request<ImageView>('PATCH', `/v1/images/${enc(id)}`, {
        json: changes,
        contentType: 'application/merge-patch+json',
      })
    ).body;
  }

  /** Forgets the image, or with `deleteRemote` deletes every copy (tasks) and then the image. */
  async delete(id: string, opts: { deleteRemote?: boolean } = {}): Promise<ImageDeletionView | undefined> {
    const query = opts.deleteRemote ? { delete_remote: 'true' } : {};
    const res = await this.session.request<ImageDeletionView>('DELETE', `/v1/images/${enc(id)}`, { query });
    return res.status === 202 ? res.body : undefined;
  }

  /**
   * Copies the image to more clouds. `opts.maxBandwidth` caps the copies (API 1.4; bytes/s or with a
   * unit); `opts.onConflict` (API 1.3): what to do with another image of the name in a target, for all or
   * per cloud; the server refuses such a target by default. `opts.incrementalFrom` (API 1.5): the ID of
   * an earlier version of the image; targets holding a copy of it get only the blocks that differ.
   */
  async sync(
    id: string,
    targets: string[],
    opts: { maxBandwidth?: number | string; onConflict?: OnConflict; incrementalFrom?: string } = {},
  ): Promise<ImageView> {
    const json = {
      targets,
      ...(opts.maxBandwidth !== undefined ? { max_bandwidth: opts.maxBandwidth } : {}),
      ...(opts.onConflict ? { on_conflict: opts.onConflict } : {}),
      ...(opts.incrementalFrom ? { incremental_from: opts.incrementalFrom } : {}),
    };
    return (await this.session.request<ImageView>('POST', `/v1/images/${enc(id)}/sync`, { json })).body;
  }

  /**
   * Sets the clouds the image should be in: copies to the new ones (tasks), deletes the copies in the
   * others. Refused as a whole (409 gimming.targets.refused) when a removal is not allowed; `dryRun`
   * answers the plan and its refusals without changing anything.
   */
  async setTargets(id: string, clouds: string[], opts: { dryRun?: boolean } = {}): Promise<TargetsView> {
    const json = { clouds, ...(opts.dryRun ? { dry_run: true } : {}) };
    return (await this.session.request<TargetsView>('PUT', `/v1/images/${enc(id)}/targets`, { json })).body;
  }

  async refresh(id: string): Promise<ImageView> {
    return (await this.session.request<ImageView>('POST', `/v1/images/${enc(id)}/refresh`)).body;
  }

  /**
   * Links a copy that already exists in `cloud`. With `acceptUnverified`, also one whose bytes nothing
   * can prove (its cloud reports none of the image's hashes): it is then tracked as unverified.
   */
  async link(
    id: string,
    cloud: string,
    remoteId: string,
    opts: { acceptUnverified?: boolean } = {},
  ): Promise<LocationView> {
    return (
      await this.session.request<LocationView>('POST', `/v1/images/${enc(id)}/locations`, {
        json: { cloud, image_id: remoteId, ...(opts.acceptUnverified ? { accept_unverified: true } : {}) },
      })
    ).body;
  }

  /** Forgets the copy in `cloud`, or with `deleteRemote` deletes it from the cloud too. */
  async unlink(id: string, cloud: string, opts: { deleteRemote?: boolean } = {}): Promise<void> {
    const query = opts.deleteRemote ? { delete_remote: 'true' } : {};
    await this.session.request('DELETE', `/v1/images/${enc(id)}/locations/${enc(cloud)}`, { query });
  }
}

export const TERMINAL_TASK_STATES = ['succeeded', 'failed', 'cancelled'];

export class TasksApi {
  constructor(private readonly session: Session) {}

  list(
    filters: { imageId?: string; status?: string; cloud?: string } = {},
    opts: ListOptions = {},
  ): AsyncGenerator<TaskView> {
    const query = { image_id: filters.imageId, status: filters.status, cloud: filters.cloud };
    return paged<TaskView>(this.session, '/v1/tasks', 'tasks', query, opts);
  }

  async get(id: string): Promise<TaskView> {
    return (await this.session.request<TaskView>('GET', `/v1/tasks/${enc(id)}`)).body;
  }

  async cancel(id: string): Promise<TaskView> {
    return (await this.session.request<TaskView>('POST', `/v1/tasks/${enc(id)}/cancel`)).body;
  }

  /**
   * Follows tasks until every one has ended; `onUpdate` sees them at each poll. Resolves with their last
   * state.
   */
  async wait(
    ids: string[],
    opts: { intervalMs?: number; onUpdate?: (tasks: TaskView[]) => void } = {},
  ): Promise<TaskView[]> {
    for (;;) {
      const tasks = await Promise.all(ids.map((id) => this.get(id)));
      opts.onUpdate?.(tasks);
      if (tasks.every((t) => TERMINAL_TASK_STATES.includes(t.status))) return tasks;
      await new Promise((r) => setTimeout(r, opts.intervalMs ?? 1000));
    }
  }
}

/** A project's webhooks: its notifications, HMAC-signed, POSTed to a URL (and tried again). */
export class WebhooksApi {
  constructor(private readonly session: Session) {}

  /** Registers a webhook; the answer's `secret` is shown this once (keep it to check the signatures). */
  async create(args: { url: string; name?: string; eventTypes?: string[] }): Promise<WebhookView> {
    const body = {
      url: args.url,
      ...(args.name ? { name: args.name } : {}),
      ...(args.eventTypes ? { event_types: args.eventTypes } : {}),
    };
    return (await this.session.request<WebhookView>('POST', '/v1/webhooks', { json: body })).body;
  }

  async list(opts: { allProjects?: boolean } = {}): Promise<WebhookView[]> {
    const query = opts.allProjects ? { all_projects: 'true' } : {};
    return (await this.session.request<{ webhooks: WebhookView[] }>('GET', '/v1/webhooks', { query })).body
      .webhooks;
  }

  async get(id: string): Promise<WebhookView> {
    return (await this.session.request<WebhookView>('GET', `/v1/webhooks/${enc(id)}`)).body;
  }

  async delete(id: string): Promise<void> {
    await this.session.request('DELETE', `/v1/webhooks/${enc(id)}`);
  }

  /** Its deliveries, newest first. */
  async deliveries(
    id: string,
    opts: { status?: 'pending' | 'delivered' | 'failed'; limit?: number } = {},
  ): Promise<WebhookDeliveryView[]> {
    const query = {
      ...(opts.status ? { status: opts.status } : {}),
      ...(opts.limit ? { limit: String(opts.limit) } : {}),
    };
    return (
      await this.session.request<{ deliveries: WebhookDeliveryView[] }>(
        'GET',
        `/v1/webhooks/${enc(id)}/deliveries`,
        { query },
      )
    ).body.deliveries;
  }

  /** Queues a test delivery (gimming.webhook.ping). */
  async ping(id: string): Promise<WebhookDeliveryView> {
    return (await this.session.request<WebhookDeliveryView>('POST', `/v1/webhooks/${enc(id)}/ping`)).body;
  }
}

export type LifecycleState = 'active' | 'deprecated' | 'obsolete' | 'revoked';

/**
 * Image families, their versions, channels and lifecycle (REST microversion 1.2: a server before it
 * answers 404). A version is named by its sequence number, its label or its ID.
 */
export class FamiliesApi {
  constructor(private readonly session: Session) {}

  private path(family: string, rest = ''): string {
    return `/v1/families/${enc(family)}${rest}`;
  }

  async list(opts: { allProjects?: boolean } = {}): Promise<FamilyView[]> {
    const query = opts.allProjects ? { all_projects: 'true' } : {};
    return (await this.session.request<{ families: FamilyView[] }>('GET', '/v1/families', { query })).body
      .families;
  }

  async get(family: string): Promise<FamilyView> {
    return (await this.session.request<FamilyView>('GET', this.path(family))).body;
  }

  async create(args: { name: string; description?: string }): Promise<FamilyView> {
    return (await this.session.request<FamilyView>('POST', '/v1/families', { json: args })).body;
  }

  async delete(family: string): Promise<void> {
    await this.session.request('DELETE', this.path(family));
  }

  /** Adds an image as the family's newest version (`parent`: the version it was built from). */
  async addVersion(
    family: string,
    args: { imageId: string; label?: string; parent?: string | number },
  ): Promise<FamilyVersionView> {
    const json = {
      image_id: args.imageId,
      ...(args.label !== undefined ? { label: args.label } : {}),
      ...(args.parent !== undefined ? { parent: String(args.parent) } : {}),
    };
    return (await this.session.request<FamilyVersionView>('POST', this.path(family, '/versions'), { json }))
      .body;
  }

  /** Sets a version's lifecycle now, or at `at` (a Date or ISO time); `cascade`: a revoke's descendants. */
  async setLifecycle(
    family: string,
    version: string | number,
    state: LifecycleState,
    opts: { at?: Date | string; cascade?: boolean } = {},
  ): Promise<LifecycleChangeView> {
    const json = {
      state,
      ...(opts.at !== undefined ? { at: opts.at instanceof Date ? opts.at.toISOString() : opts.at } : {}),
      ...(opts.cascade ? { cascade: true } : {}),
    };
    const path = this.path(family, `/versions/${enc(String(version))}/lifecycle`);
    return (await this.session.request<LifecycleChangeView>('POST', path, { json })).body;
  }

  async channels(family: string): Promise<ChannelView[]> {
    return (await this.session.request<{ channels: ChannelView[] }>('GET', this.path(family, '/channels')))
      .body.channels;
  }

  async promote(family: string, channel: string, version: string | number): Promise<ChannelView> {
    const path = this.path(family, `/channels/${enc(channel)}`);
    return (await this.session.request<ChannelView>('PUT', path, { json: { version: String(version) } }))
      .body;
  }

  async rollback(family: string, channel: string): Promise<ChannelView> {
    return (
      await this.session.request<ChannelView>('POST', this.path(family, `/channels/${enc(channel)}/rollback`))
    ).body;
  }

  async history(family: string, channel: string): Promise<ChannelHistoryEntryView[]> {
    const path = this.path(family, `/channels/${enc(channel)}/history`);
    return (await this.session.request<{ history: ChannelHistoryEntryView[] }>('GET', path)).body.history;
  }

  /** The channel's version and its image ID in each cloud (or in `cloud` only). */
  async resolve(family: string, channel: string, cloud?: string): Promise<ResolvedChannelView> {
    const path = this.path(family, `/channels/${enc(channel)}/resolve`);
    const query = cloud !== undefined ? { cloud } : {};
    return (await this.session.request<ResolvedChannelView>('GET', path, { query })).body;
  }
}

export class GimmingClient {
  readonly families: FamiliesApi;
  readonly clouds: CloudsApi;
  readonly images: ImagesApi;
  readonly tasks: TasksApi;
  readonly webhooks: WebhooksApi;

  constructor(readonly session: Session) {
    this.clouds = new CloudsApi(session);
    this.families = new FamiliesApi(session);
    this.images = new ImagesApi(session);
    this.tasks = new TasksApi(session);
    this.webhooks = new WebhooksApi(session);
  }

  /** A client for a clouds.yaml cloud, or the OS_* environment, with optional overrides. */
  static fromCloud(
    opts: { cloud?: string; overrides?: Partial<CloudConfig> } = {},
    session: SessionOptions = {},
  ): GimmingClient {
    return new GimmingClient(new Session(resolveCloud(opts), session));
  }

  async matrix(
    filters: { name?: string; clouds?: string[]; allProjects?: boolean; limit?: number } = {},
  ): Promise<MatrixView> {
    const query = {
      name: filters.name,
      cloud: filters.clouds,
      ...(filters.allProjects ? { all_projects: 'true' } : {}),
      ...(filters.limit ? { limit: String(filters.limit) } : {}),
    };
    return (await this.session.request<MatrixView>('GET', '/v1/matrix', { query })).body;
  }
}
