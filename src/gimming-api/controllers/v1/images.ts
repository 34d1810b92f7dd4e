/**
 * /v1/images: one logical image across clouds. Creating one from an image that lives in a cloud (adopt)
 * answers 202 at once; the copies to the targets run as tasks.
 */
import type Router from '@koa/router';
import { notFound } from '../../../common/errors';
import type { AuthState } from '../../middleware/auth-token';
import { readJsonBody } from '../../middleware/json-body';
import { authorize } from '../../policy';
import { CreateImage, check, isUuid } from '../../schemas/v1';
import { booleanQuery, nextLink, paging } from '../pagination';
import type { ControllerDeps } from './clouds';

export function imageRoutes(router: Router<AuthState>, deps: ControllerDeps): void {
  router.post('/v1/images', async (ctx) => {
    authorize(ctx.state.context, 'gimming:image:create');
    const body = await readJsonBody(ctx, deps.maxBodyBytes);
    check(CreateImage, body, 'body');
    const image = await deps.conductor.createImage(ctx.state.context, body as never);
    ctx.status = 202;
    ctx.set('Location', `/v1/images/${image.id}`);
    ctx.body = image;
  });

  router.get('/v1/images', async (ctx) => {
    authorize(ctx.state.context, 'gimming:image:list');
    const allProjects = booleanQuery(ctx, 'all_projects');
    if (allProjects) authorize(ctx.state.context, 'gimming:image:list_all_projects');
    const page = await deps.conductor.listImages(ctx.state.context, {
      ...paging(ctx, deps.defaultLimit, deps.maxLimit),
      all_projects: allProjects,
    });
    const next = nextLink(ctx, page.next_marker);
    ctx.body = { images: page.items, ...(next ? { next } : {}) };
  });

  router.get('/v1/images/:image_id', async (ctx) => {
    authorize(ctx.state.context, 'gimming:image:get');
    const id = ctx.params.image_id as string;
    if (!isUuid(id)) throw notFound('gimming.image.not_found', `Image ${id} was not found.`);
    ctx.body = await deps.conductor.getImage(ctx.state.context, id.toLowerCase());
  });
}
