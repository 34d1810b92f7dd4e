/**
 * Glance v2, as the user: image records, properties, and image data as streams.
 */
import type { IncomingMessage } from 'node:http';
import type { LookupFunction } from 'node:net';
import type { Readable } from 'node:stream';
import { GimmingError } from '../../../common/errors';
import {
  type JsonResponse,
  readBody,
  requestFailure,
  requestJson,
  startRequest,
  waitForResponse,
} from '../../../common/http/request';
import { type ClientTls, tlsDetail } from '../../../common/http/tls';

/** An image as Glance v2 returns it. */
export type GlanceImage = Record<string, unknown> & {
  id: string;
  status: string;
  name?: string | null;
  size?: number | null;
  checksum?: string | null;
  os_hash_algo?: string | null;
  os_hash_value?: string | null;
  disk_format?: string | null;
  container_format?: string | null;
  visibility?: string;
  owner?: string | null;
  min_disk?: number;
  min_ram?: number;
  tags?: string[];
  protected?: boolean;
};

/** A project an image is shared with, as Glance v2 returns it. */
export interface GlanceMember {
  member_id: string;
  image_id: string;
  status: string;
  created_at: string;
  updated_at: string;
}

/** Glance's fields that are not user properties. */
export const BASE_FIELDS = new Set([
  'id',
  'name',
  'status',
  'size',
  'virtual_size',
  'checksum',
  'os_hash_algo',
  'os_hash_value',
  'disk_format',
  'container_format',
  'visibility',
  'owner',
  'min_disk',
  'min_ram',
  'tags',
  'protected',
  'created_at',
  'updated_at',
  'file',
  'schema',
  'self',
  'direct_url',
  'locations',
  'os_hidden',
  'stores',
]);

export function isUserProperty(key: string): boolean {
  return !BASE_FIELDS.has(key) && !key.startsWith('os_glance_');
}

export interface GlanceClientOptions {
  endpoint: string;
  token: string;
  requestId: string;
  timeoutMs: number;
  /** The cloud's name, for messages. */
  cloudName: string;
  /** How the endpoint's certificate is verified ([glance], or [project_clouds] for a project cloud). */
  tls?: ClientTls;
  /** The addresses the endpoint was checked at (a project cloud's), the only ones connected to. */
  lookup?: LookupFunction;
}

/** Pages of a listing followed at most (1000 images each): a cloud cannot keep an agent paging forever. */
const MAX_PAGES = 1000;

export class GlanceClient {
  constructor(private readonly opts: GlanceClientOptions) {}

  private tlsOption(): { tls?: ClientTls } {
    return this.opts.tls ? { tls: this.opts.tls } : {};
  }

  private headers(extra: Record<string, string | number> = {}): Record<string, string | number> {
    return {
      'X-Auth-Token': this.opts.token,
      'X-OpenStack-Request-ID': this.opts.requestId,
      'User-Agent': 'gimming-agent',
      ...extra,
    };
  }

  private url(path: string): string {
    return `${this.opts.endpoint}${path}`;
  }

  private get pinned(): { lookup?: LookupFunction } {
    return this.opts.lookup ? { lookup: this.opts.lookup } : {};
  }

  /**
   * A `next` link of a listing, when it is one to follow: Glance gives a path relative to the endpoint
   * (`/v2/images?marker=...`), joined as Glance's own clients join it. Joined, it must still be a URL of
   * the endpoint (same scheme, host, port and path prefix, no credentials): `@169.254.169.254/...` or
   * `.evil.example/...` would otherwise move the host, and the agent's token with it.
   */
  private nextPath(next: unknown): string {
    const refuse = () =>
      new GimmingError(
        'gimming.cloud.link_refused',
        502,
        `Cloud ${this.opts.cloudName} answered a next link outside its image endpoint.`,
      );
    if (typeof next !== 'string' || !next.startsWith('/')) throw refuse();
    let joined: URL;
    try {
      joined = new URL(this.url(next));
    } catch {
      throw refuse();
    }
    const endpoint = new URL(this.opts.endpoint);
    const prefix = endpoint.pathname.endsWith('/') ? endpoint.pathname : `${endpoint.pathname}/`;
    if (
      joined.origin !== endpoint.origin ||
      joined.username !== '' ||
      joined.password !== '' ||
      !joined.pathname.startsWith(prefix)
    ) {
      throw refuse();
    }
    return next;
  }

  /** Turns a Glance error answer into a GimmingError; never carries Glance's internals to the user. */
  private failure(res: { status: number; text: string }, what: string, imageId?: string): GimmingError {
    const where = `${what} in cloud ${this.opts.cloudName}`;
    const message = glanceMessage(res.text);
    switch (res.status) {
      case 400:
        return new GimmingError('gimming.cloud.bad_request', 400, `${where} was refused: ${message}`);
      case 401:
        return new GimmingError(
          'gimming.cloud.unauthorized',
          401,
          `${where}: the cloud did not accept the token.`,
        );
      case 403:
        return new GimmingError('gimming.cloud.forbidden', 403, `${where} is not allowed: ${message}`);
      case 404:
        return new GimmingError(
          'gimming.remote_image.not_found',
          404,
          `Image ${imageId ?? ''} was not found in cloud ${this.opts.cloudName}.`.replace('  ', ' '),
        );
      case 409:
        return new GimmingError('gimming.cloud.conflict', 409, `${where} conflicts: ${message}`);
      case 413:
        return new GimmingError('gimming.cloud.quota_exceeded', 413, `${where} exceeds a quota: ${message}`);
      default:
        return new GimmingError('gimming.cloud.error', 502, `${where} failed with HTTP ${res.status}.`, {
          retryable: res.status >= 500,
        });
    }
  }

  private async json(
    method: string,
    path: string,
    what: string,
    body?: unknown,
    contentType?: string,
    imageId?: string,
    timeoutMs = this.opts.timeoutMs,
  ): Promise<JsonResponse> {
    let res: JsonResponse;
    try {
      res = await requestJson({
        method,
        url: this.url(path),
        headers: this.headers(contentType ? { 'Content-Type': contentType } : {}),
        ...(body !== undefined ? { json: body } : {}),
        timeoutMs,
        ...this.tlsOption(),
        ...this.pinned,
      });
    } catch (err) {
      throw unreachable(this.opts.cloudName, err);
    }
    if (res.status >= 300) throw this.failure(res, what, imageId);
    return res;
  }

  async getImage(id: string): Promise<GlanceImage> {
    const res = await this.json(
      'GET',
      `/v2/images/${encodeURIComponent(id)}`,
      `Reading image ${id}`,
      undefined,
      undefined,
      id,
    );
    return res.body as GlanceImage;
  }

  /**
   * Images the user can see whose properties have the given values, following Glance's pagination: each
   * `next` link checked (nextPath), until a page is empty, a link repeats, or `deadline` (the caller's,
   * in epoch milliseconds) passes.
   */
  async listImages(
    filters: Record<string, string>,
    limit: number,
    deadline = Infinity,
  ): Promise<GlanceImage[]> {
    const images: GlanceImage[] = [];
    const followed = new Set<string>();
    let path: string | undefined =
      `/v2/images?${new URLSearchParams({ ...filters, limit: String(Math.min(limit, 1000)) }).toString()}`;
    const late = () =>
      new GimmingError(
        'gimming.cloud.timeout',
        504,
        `Listing images in cloud ${this.opts.cloudName} did not finish in time.`,
        { retryable: true },
      );
    while (path !== undefined && images.length < limit && followed.size < MAX_PAGES) {
      const left = deadline - Date.now();
      if (left <= 0) throw late();
      followed.add(path);
      // No page is waited for past the deadline.
      const timeoutMs = Math.max(1, Math.min(this.opts.timeoutMs, Math.ceil(left)));
      let res: JsonResponse;
      try {
        res = await this.json('GET', path, 'Listing images', undefined, undefined, undefined, timeoutMs);
      } catch (err) {
        throw Date.now() >= deadline ? late() : err;
      }
      const body = res.body as { images?: unknown; next?: unknown } | undefined;
      const page = Array.isArray(body?.images) ? (body.images as GlanceImage[]) : [];
      images.push(...page);
      if (page.length === 0 || body?.next === undefined || body.next === null) break;
      path = this.nextPath(body.next);
      if (followed.has(path)) break;
    }
    return images.slice(0, limit);
  }

  async createImage(body: Record<string, unknown>): Promise<GlanceImage> {
    const res = await this.json('POST', '/v2/images', 'Creating an image', body);
    return res.body as GlanceImage;
  }

  /** Applies a JSON patch (Glance's openstack-images-v2.1-json-patch media type). */
  async patchImage(
    id: string,
    ops: Array<{ op: string; path: string; value?: unknown }>,
  ): Promise<GlanceImage> {
    const res = await this.json(
      'PATCH',
      `/v2/images/${encodeURIComponent(id)}`,
      `Updating image ${id}`,
      ops,
      'application/openstack-images-v2.1-json-patch',
      id,
    );
    return res.body as GlanceImage;
  }

  /** Deletes an image; false when it was already gone. */
  async deleteImage(id: string): Promise<boolean> {
    try {
      await this.json(
        'DELETE',
        `/v2/images/${encodeURIComponent(id)}`,
        `Deleting image ${id}`,
        undefined,
        undefined,
        id,
      );
      return true;
    } catch (err) {
      if (err instanceof GimmingError && err.status === 404) return false;
      throw err;
    }
  }

  /** Shares an image with a project; a project that is already a member is answered as it is. */
  async addMember(id: string, member: string): Promise<GlanceMember> {
    const path = `/v2/images/${encodeURIComponent(id)}/members`;
    try {
      const res = await this.json('POST', path, `Sharing image ${id}`, { member }, undefined, id);
      return res.body as GlanceMember;
    } catch (err) {
      if (!(err instanceof GimmingError && err.code === 'gimming.cloud.conflict')) throw err;
      const res = await this.json(
        'GET',
        `${path}/${encodeURIComponent(member)}`,
        `Reading member ${member} of image ${id}`,
        undefined,
        undefined,
        id,
      );
      return res.body as GlanceMember;
    }
  }

  /** Stops sharing an image with a project; false when it was not a member. */
  async removeMember(id: string, member: string): Promise<boolean> {
    const path = `/v2/images/${encodeURIComponent(id)}/members/${encodeURIComponent(member)}`;
    try {
      await this.json('DELETE', path, `Unsharing image ${id}`, undefined, undefined, id);
      return true;
    } catch (err) {
      if (err instanceof GimmingError && err.status === 404) {
        // 404 is also Glance's answer for an image that is gone: tell them apart.
        await this.getImage(id);
        return false;
      }
      throw err;
    }
  }

  async listMembers(id: string): Promise<GlanceMember[]> {
    const res = await this.json(
      'GET',
      `/v2/images/${encodeURIComponent(id)}/members`,
      `Listing the members of image ${id}`,
      undefined,
      undefined,
      id,
    );
    return (res.body as { members: GlanceMember[] }).members;
  }

  /** The image data as a stream. */
  async openData(id: string): Promise<IncomingMessage> {
    const req = startRequest({
      method: 'GET',
      url: this.url(`/v2/images/${encodeURIComponent(id)}/file`),
      headers: this.headers({ Accept: 'application/octet-stream' }),
      timeoutMs: this.opts.timeoutMs,
      ...this.tlsOption(),
      ...this.pinned,
    });
    const responded = waitForResponse(req);
    req.end();
    let res: IncomingMessage;
    try {
      res = await responded;
    } catch (err) {
      throw unreachable(this.opts.cloudName, err);
    }
    if (res.statusCode === 204) {
      res.resume();
      throw new GimmingError(
        'gimming.remote_image.no_data',
        409,
        `Image ${id} in cloud ${this.opts.cloudName} has no data.`,
      );
    }
    if ((res.statusCode ?? 0) >= 300) {
      const text = await readBody(res).catch(() => '');
      throw this.failure({ status: res.statusCode ?? 0, text }, `Reading the data of image ${id}`, id);
    }
    return res;
  }

  /** Streams `data` into an image's file. Resolves once Glance has stored (and hashed) all of it. */
  async uploadData(id: string, data: Readable, size: number | undefined): Promise<void> {
    const headers: Record<string, string | number> = this.headers({
      'Content-Type': 'application/octet-stream',
    });
    if (size !== undefined) headers['Content-Length'] = size;
    const req = startRequest({
      method: 'PUT',
      url: this.url(`/v2/images/${encodeURIComponent(id)}/file`),
      headers,
      timeoutMs: this.opts.timeoutMs,
      ...this.tlsOption(),
      ...this.pinned,
    });
    const responded = waitForResponse(req);
    responded.catch(() => undefined); // observed below; an early failure must not go unhandled
    // `data` is piped by hand rather than through a pipeline: on a failure a pipeline destroys its source,
    // and a destroyed gRPC stream never closes; the caller cancels its source itself.
    try {
      await new Promise<void>((resolve, reject) => {
        req.once('finish', resolve);
        req.once('error', reject);
        data.once('error', reject);
        data.pipe(req);
      });
    } catch (err) {
      data.unpipe(req);
      req.destroy();
      // The source's own failure is the caller's to report; anything else is the cloud going away.
      if (err instanceof GimmingError) throw err;
      throw unreachable(this.opts.cloudName, requestFailure(req, err as Error));
    }
    let res: IncomingMessage;
    try {
      res = await responded;
    } catch (err) {
      throw unreachable(this.opts.cloudName, err);
    }
    const text = await readBody(res).catch(() => '');
    if ((res.statusCode ?? 0) >= 300) {
      throw this.failure({ status: res.statusCode ?? 0, text }, `Uploading the data of image ${id}`, id);
    }
  }
}

function unreachable(cloudName: string, err: unknown): GimmingError {
  return new GimmingError(
    'gimming.cloud.unreachable',
    503,
    `Cloud ${cloudName} is unreachable${tlsDetail(err)}.`,
    {
      retryable: true,
      cause: err,
    },
  );
}

/** How much of an error body is read for its message: the message is cut to 300 characters anyway. */
const MESSAGE_SCAN = 64 * 1024;

/**
 * The human message of a Glance error body (JSON or Glance's HTML-ish text), shortened. The body comes
 * from the cloud (up to 16 MiB): every step is linear, and the text path looks at its start only.
 */
export function glanceMessage(text: string): string {
  let message: string | undefined;
  try {
    const parsed = JSON.parse(text) as unknown;
    const inner =
      parsed !== null && typeof parsed === 'object'
        ? (Object.values(parsed)[0] as Record<string, unknown> | null | undefined)
        : undefined;
    if (inner && typeof inner === 'object' && typeof inner.message === 'string') message = inner.message;
  } catch {
    // `[^<>]` rather than `[^>]`: a run of `<` with no `>` would otherwise be rescanned from each `<`.
    message = text.slice(0, MESSAGE_SCAN).replace(/<[^<>]*>/g, ' ');
  }
  message = (message ?? text).slice(0, MESSAGE_SCAN).replace(/\s+/g, ' ').trim();
  return message.length > 300 ? `${message.slice(0, 300)}...` : message || 'no reason given';
}
