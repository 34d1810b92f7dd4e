/**
 * /v1/clouds: the places images live. Registering a shared cloud is for administrators; a project may
 * register clouds of its own.
 */
import type { ImportRules } from '../../../common/import-filter';
import type Router from '@koa/router';
import type { ConductorAPI } from '../../../gimming-conductor/rpcapi';
import type { AuthState } from '../../middleware/auth-token';
import { notFound } from '../../../common/errors';
import { readJsonBody } from '../../middleware/json-body';
import { MAX_REF_LENGTH, paging } from '../pagination';
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
  /** What an import URL is checked against ([import_filtering]). */
  importRules: ImportRules;
}

export function cloudRoutes(router: Router<AuthState>, deps: ControllerDeps): void {
  router.post('/v1/clouds', async (ctx) => {
    const body = await readJsonBody(ctx, deps.maxBodyBytes);
    check(CreateCloud, body, 'body');
    const project = (body as { scope?: string }).scope === 'project';
    if (project) authorize(ctx.state.context, 'gimming:cloud:create_project');
    else authorize(ctx.state.context, 'gimming:cloud:create');
    const cloud = await deps.conductor.createCloud(ctx.state.context, body as never);
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
    const limit = Math.min(paging(ctx, deps.defaultLimit, deps.maxLimit).limit, 1000);
    const images = await deps.conductor.listCloudImages(ctx.state.context, {
      cloud: cloudParam(ctx.params.cloud),
      limit,
    });
    ctx.body = shape(CloudImageList, { images });
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
