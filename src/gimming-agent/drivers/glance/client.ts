/**
 * Glance v2, as the user: image records, listings, members, and image data as streams (image-data.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { GimmingError } from '../../../common/errors';
import type { JsonResponse } from '../../../common/http/request';
import { alreadyDeleted, glanceFailure } from './errors';
import { GlanceHttp, type GlanceClientOptions } from './http';
import { openImageData, uploadImageData } from './image-data';
import { checkedNextPath } from './next-link';
import type { GlanceImage, GlanceMember, GlanceTask } from './wire-types';

export type { GlanceClientOptions } from './http';
export type { GlanceImage, GlanceMember, GlanceTask } from './wire-types';

/** Pages of a listing followed at most (1000 images each): a cloud cannot keep an agent paging forever. */
const MAX_PAGES = 1000;

export class GlanceClient {
  private readonly http: GlanceHttp;
  private readonly opts: GlanceClientOptions;

  constructor(opts: GlanceClientOptions) {
    this.opts = opts;
    this.http = new GlanceHttp(opts);
  }

  private json(...args: Parameters<GlanceHttp['json']>): Promise<JsonResponse> {
    return this.http.json(...args);
  }

  /** The image endpoint this client talks to. */
  get endpoint(): string {
    return this.opts.endpoint;
  }

  /** The image schema (GET /v2/schemas/image): what the zone takes, disk formats among it. */
  async getImageSchema(): Promise<unknown> {
    return (await this.json('GET', '/v2/schemas/image', 'Reading the image schema')).body;
  }

  /** The import methods this Glance has enabled (GET /v2/info/import, its enabled_import_methods). */
  async getImportMethods(): Promise<string[]> {
    const body = (await this.json('GET', '/v2/info/import', 'Reading the import methods')).body as {
      'import-methods'?: { value?: unknown };
    } | null;
    const value = body?.['import-methods']?.value;
    return Array.isArray(value) ? value.filter((m): m is string => typeof m === 'string') : [];
  }

  /** Starts an import into a queued image (POST /v2/images/{id}/import): Glance answers 202 and works on. */
  async importImage(id: string, body: Record<string, unknown>): Promise<void> {
    await this.json(
      'POST',
      `/v2/images/${encodeURIComponent(id)}/import`,
      `Importing image ${id}`,
      body,
      'application/json',
      id,
    );
  }

  /** The import tasks of an image (GET /v2/images/{id}/tasks), newest first, with Glance's messages. */
  async getImageTasks(id: string): Promise<GlanceTask[]> {
    const res = await this.json(
      'GET',
      `/v2/images/${encodeURIComponent(id)}/tasks`,
      `Reading the import tasks of image ${id}`,
      undefined,
      undefined,
      id,
    );
    const tasks = (res.body as { tasks?: unknown } | null)?.tasks;
    return Array.isArray(tasks) ? (tasks as GlanceTask[]) : [];
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
   * One browse page (Glance's own paging): at most `limit` images after the image `marker` (empty: from
   * the first), and whether a further page exists, following Glance's `next` links until one image more
   * than the page is read (so that `more` is exact) or there is no next link.
   */
  async listImagesPage(
    limit: number,
    marker: string,
    deadline: number,
  ): Promise<{ images: GlanceImage[]; more: boolean }> {
    const want = limit + 1;
    const query: Record<string, string> = { limit: String(Math.min(want, 1000)) };
    if (marker !== '') query.marker = marker;
    const images: GlanceImage[] = [];
    const followed = new Set<string>();
    let path: string | undefined = `/v2/images?${new URLSearchParams(query).toString()}`;
    while (path !== undefined && images.length < want && followed.size < MAX_PAGES) {
      const left = deadline - Date.now();
      if (left <= 0) throw this.late();
      followed.add(path);
      let res: JsonResponse;
      try {
        res = await this.json(
          'GET',
          path,
          'Listing images',
          undefined,
          undefined,
          undefined,
          this.pageTimeout(left),
        );
      } catch (err) {
        if (Date.now() >= deadline) throw this.late();
        // Glance refuses a marker it does not know (400: "marker ... could not be found").
        if (marker !== '' && err instanceof GimmingError && err.code === 'gimming.cloud.bad_request')
          throw new GimmingError(
            'gimming.list.bad_marker',
            400,
            `marker ${marker.slice(0, 80)} is not an image of this cloud.`,
          );
        throw err;
      }
      const body = res.body as { images?: unknown; next?: unknown } | undefined;
      const page = Array.isArray(body?.images) ? (body.images as GlanceImage[]) : [];
      images.push(...page);
      if (page.length === 0 || body?.next === undefined || body.next === null) break;
      path = checkedNextPath(this.opts.endpoint, body.next, this.opts.cloudName);
      if (followed.has(path)) break;
    }
    return { images: images.slice(0, limit), more: images.length > limit };
  }

  private late(): GimmingError {
    return new GimmingError(
      'gimming.cloud.timeout',
      504,
      `Listing images in cloud ${this.opts.cloudName} did not finish in time.`,
      { retryable: true },
    );
  }

  /** No page is waited for past the deadline. */
  private pageTimeout(left: number): number {
    return Math.max(1, Math.min(this.opts.timeoutMs, Math.ceil(left)));
  }

  /**
   * Images the user can see whose properties have the given values, following Glance's pagination: each
   * `next` link checked (checkedNextPath), until a page is empty, a link repeats, or `deadline` (the caller's,
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
      path = checkedNextPath(this.opts.endpoint, body.next, this.opts.cloudName);
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

  /** Deactivates or reactivates an image (Glance's image actions; done twice, they succeed). */
  async imageAction(id: string, action: 'deactivate' | 'reactivate'): Promise<void> {
    await this.json(
      'POST',
      `/v2/images/${encodeURIComponent(id)}/actions/${action}`,
      `${action === 'deactivate' ? 'Deactivating' : 'Reactivating'} image ${id}`,
      undefined,
      undefined,
      id,
    );
  }

  /** Deletes an image; false when it was already gone (404, or Glance's answer for an image already deleted). */
  async deleteImage(id: string): Promise<boolean> {
    const res = await this.http.answer('DELETE', `/v2/images/${encodeURIComponent(id)}`);
    if (res.status < 300) return true;
    if (res.status === 404 || alreadyDeleted(res)) return false;
    throw glanceFailure(this.http.cloudName, res, `Deleting image ${id}`, id);
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
  openData(id: string): Promise<IncomingMessage> {
    return openImageData(this.http, id);
  }

  /** Streams `data` into an image's file. Resolves once Glance has stored (and hashed) all of it. */
  uploadData(id: string, data: Readable, size: number | undefined): Promise<void> {
    return uploadImageData(this.http, id, data, size);
  }
}
