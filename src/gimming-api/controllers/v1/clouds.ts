/**
 * /v1/clouds: the places images live. Registering a shared cloud is for administrators; a project may
 * register clouds of its own.
 */
import type { ImportRules } from '../../../common/import-filter';
import type Router from '@koa/router';
import type Koa from 'koa';
import type { ConductorAPI } from '../../../gimming-conductor/rpcapi';
import type { AuthState } from '../../middleware/auth-token';
import { badRequest, notFound } from '../../../common/errors';
import { readJsonBody } from '../../middleware/json-body';
import { MAX_REF_LENGTH, nextLink, paging, queryString } from '../pagination';
import { atLeast } from '../../middleware/microversion';
import { withMaxBandwidth } from '../../bandwidth-field';
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
}

/**
 * The most images of a cloud a browse reaches: what the conductor's list_cloud_images takes (its RPC and
 * the agents' ListImages page by count only). Pages walk through these.
 */
export const BROWSE_WINDOW = 1000;

/** limit and marker of a browse (1.1): a marker is the cloud's own image ID (Glance UUID, ami-..., a name). */
function browsePaging(ctx: Koa.Context, deps: ControllerDeps): { limit: number; marker?: string } {
  const limit = Math.min(paging(ctx, deps.defaultLimit, deps.maxLimit, false).limit, BROWSE_WINDOW);
  const marker = queryString(ctx, 'marker');
  if (marker === undefined) return { limit };
  if (marker.length < 1 || marker.length > MAX_REF_LENGTH) {
    throw badRequest('gimming.list.bad_marker', 'marker must be an ID from a previous page.');
  }
  return { limit, marker };
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
    ctx.body = shape(Cloud, cloud);
  });

  router.get('/v1/clouds', async (ctx) => {
    authorize(ctx.state.context, 'gimming:cloud:list');
    ctx.body = shape(CloudList, { clouds: await deps.conductor.listClouds(ctx.state.context) });
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
    // 1.1: pages. The conductor and the agents list a cloud by count only (in the cloud's own order, as
    // Glance's newest first), so a page is the cloud's first images up to the page's end and one more
    // (whether there is a next page), and its marker is found among them.
    const { limit, marker } = browsePaging(ctx, deps);
    const images = await deps.conductor.listCloudImages(ctx.state.context, {
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
    const next = images.length > start + limit && last ? nextLink(ctx, last.id) : undefined;
    ctx.body = shape(CloudImageList, { images: page, ...(next ? { next } : {}) });
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
    ctx.body = shape(Cloud, await deps.conductor.getCloud(ctx.state.context, cloudParam(ctx.params.cloud)));
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
