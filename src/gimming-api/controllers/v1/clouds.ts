/**
 * /v1/clouds: the places images live. Registering a shared cloud is for administrators; a project may
 * register clouds of its own.
 */
import type { ImportRules } from '../../../common/import-filter';
import type { ReadCache } from '../../read-cache';
import type Router from '@koa/router';
import type Koa from 'koa';
import type { RequestContext } from '../../../common/context';
import type { ConductorAPI } from '../../../gimming-conductor/rpcapi';
import type { CloudImageView } from '../../../gimming-conductor/rpc-schemas';
import { BROWSE_MARKER_MAX } from '../../../common/browse-marker';
import { browseWindow } from '../../../common/test-hooks';
import type { AuthState } from '../../middleware/auth-token';
import { badRequest, notFound } from '../../../common/errors';
import { readJsonBody } from '../../middleware/json-body';
import { MAX_REF_LENGTH, nextLink, paging, queryString } from '../pagination';
import { atLeast } from '../../middleware/microversion';
import { withMaxBandwidth } from '../../bandwidth-field';
import { cloudAt } from '../../capabilities-fields';
import { authorize } from '../../policy';
import { CreateCloud, check } from '../../schemas/v1';
import { Cloud, CloudImageList, CloudList } from '../../schemas/v1-responses';
import { shape } from './respond';

export interface ControllerDeps {
  conductor: ConductorAPI;
  maxBodyBytes: number;
  defaultLimit: number;
  maxLimit: number;
  /** Size of the chunks an upload is streamed to the staging agent in. */
  chunkSize: number;
  /** How long an upload body may pause, and take in all, in milliseconds ([api] upload_*). */
  uploadIdleTimeoutMs: number;
  uploadDeadlineMs: number;
  /** Seconds a partial upload stays staged to be resumed ([api] upload_resume_time; 0: not kept). */
  uploadResumeS?: number;
  /** What an import URL is checked against ([import_filtering]). */
  importRules: ImportRules;
  /** The image reads' cache ([api] image_cache_time); none when off. */
  readCache?: ReadCache;
}

/**
 * The most images of a cloud a browse reaches where the cloud cannot page: a conductor older than RPC 1.19
 * or an agent older than paged ListImages list by count only, and a page's marker is looked for among the
 * cloud's first BROWSE_WINDOW images. Since 1.19 the agents page natively and a browse reaches every image.
 */
export const BROWSE_WINDOW = browseWindow(1000);

/**
 * limit and marker of a browse (1.1): a marker is opaque, the `marker` of a `next` link (a Glance image ID,
 * or an agent's token over EC2's NextToken or GCE's pageToken); a cloud image ID (the markers before RPC
 * 1.19 were) still works.
 */
function browsePaging(ctx: Koa.Context, deps: ControllerDeps): { limit: number; marker?: string } {
  const limit = Math.min(paging(ctx, deps.defaultLimit, deps.maxLimit, false).limit, BROWSE_WINDOW);
  const marker = queryString(ctx, 'marker');
  if (marker === undefined) return { limit };
  if (marker.length < 1 || marker.length > BROWSE_MARKER_MAX) {
    throw badRequest('gimming.list.bad_marker', 'marker must be the marker of a previous page.');
  }
  return { limit, marker };
}

/** A page of the cloud's first images by count, its marker found among them (before RPC 1.19). */
async function windowPage(
  context: RequestContext,
  deps: ControllerDeps,
  cloud: string,
  limit: number,
  marker: string | undefined,
): Promise<{ images: CloudImageView[]; next?: string }> {
  const images = await deps.conductor.listCloudImages(context, {
    cloud,
    limit: marker === undefined ? Math.min(limit + 1, BROWSE_WINDOW) : BROWSE_WINDOW,
  });
  let start = 0;
  if (marker !== undefined) {
    start = images.findIndex((i) => i.id === marker) + 1;
    if (start === 0) {
      throw badRequest(
        'gimming.list.bad_marker',
        `marker ${marker} is not one of the first ${BROWSE_WINDOW} images of the cloud: ` +
          'it must be an ID from a previous page.',
      );
    }
  }
  const page = images.slice(start, start + limit);
  const last = page[page.length - 1];
  return { images: page, ...(images.length > start + limit && last ? { next: last.id } : {}) };
}

export function cloudRoutes(router: Router<AuthState>, deps: ControllerDeps): void {
  router.post('/v1/clouds', async (ctx) => {
    const body = await readJsonBody(ctx, deps.maxBodyBytes);
    check(CreateCloud, body, 'body');
    const project = (body as { scope?: string }).scope === 'project';
    if (project) authorize(ctx.state.context, 'gimming:cloud:create_project');
    else authorize(ctx.state.context, 'gimming:cloud:create');
    const cloud = await deps.conductor.createCloud(
      ctx.state.context,
      withMaxBandwidth(ctx, body as { max_bandwidth?: number | string }) as never,
    );
    ctx.status = 201;
    ctx.set('Location', `/v1/clouds/${cloud.id}`);
    ctx.body = cloudAt(ctx, shape(Cloud, cloud));
  });

  router.get('/v1/clouds', async (ctx) => {
    authorize(ctx.state.context, 'gimming:cloud:list');
    const { clouds } = shape(CloudList, { clouds: await deps.conductor.listClouds(ctx.state.context) });
    ctx.body = { clouds: clouds.map((cloud) => cloudAt(ctx, cloud)) };
  });

  router.get('/v1/clouds/:cloud/images', async (ctx) => {
    authorize(ctx.state.context, 'gimming:cloud:list_images');
    const cloud = cloudParam(ctx.params.cloud);
    if (!atLeast(ctx, '1.1')) {
      // 1.0: one page of `limit` images, no marker, no next link.
      const limit = Math.min(paging(ctx, deps.defaultLimit, deps.maxLimit).limit, BROWSE_WINDOW);
      const images = await deps.conductor.listCloudImages(ctx.state.context, { cloud, limit });
      ctx.body = shape(CloudImageList, { images });
      return;
    }
    // 1.1: pages, each from the cloud's own paging (RPC 1.19), or, from older conductors or agents, from
    // the cloud's first images by count.
    const { limit, marker } = browsePaging(ctx, deps);
    const paged = await deps.conductor.listCloudImagesPage(ctx.state.context, {
      cloud,
      limit,
      ...(marker !== undefined ? { marker } : {}),
    });
    const page =
      paged?.paged === true
        ? { images: paged.images, ...(paged.next_marker ? { next: paged.next_marker } : {}) }
        : await windowPage(ctx.state.context, deps, cloud, limit, marker);
    const next = page.next !== undefined ? nextLink(ctx, page.next) : undefined;
    ctx.body = shape(CloudImageList, { images: page.images, ...(next ? { next } : {}) });
  });

  router.delete('/v1/clouds/:cloud', async (ctx) => {
    const ref = cloudParam(ctx.params.cloud);
    const cloud = await deps.conductor.getCloud(ctx.state.context, ref);
    if (cloud.scope === 'project') authorize(ctx.state.context, 'gimming:cloud:delete_project');
    else authorize(ctx.state.context, 'gimming:cloud:delete');
    await deps.conductor.deleteCloud(ctx.state.context, ref);
    ctx.status = 204;
  });

  router.get('/v1/clouds/:cloud', async (ctx) => {
    authorize(ctx.state.context, 'gimming:cloud:get');
    const cloud = await deps.conductor.getCloud(ctx.state.context, cloudParam(ctx.params.cloud));
    ctx.body = cloudAt(ctx, shape(Cloud, cloud));
  });
}

/** A cloud (name or ID) from the path; what no cloud can be named names no cloud. */
export function cloudParam(raw: string | undefined): string {
  const ref = raw ?? '';
  if (ref.length < 1 || ref.length > MAX_REF_LENGTH) {
    throw notFound('gimming.cloud.not_found', `Cloud ${ref} was not found.`);
  }
  return ref;
}
