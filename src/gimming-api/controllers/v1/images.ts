/**
 * /v1/images: one logical image across clouds. Creating one from an image that lives in a cloud (adopt)
 * answers 202 at once; the copies to the targets run as tasks.
 */
import type Router from '@koa/router';
import { badRequest, notFound } from '../../../common/errors';
import type { AuthState } from '../../middleware/auth-token';
import { readJsonBody } from '../../middleware/json-body';
import { authorize } from '../../policy';
import { AddLocation, CreateImage, SyncImage, check, isUuid } from '../../schemas/v1';
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

  router.post('/v1/images/:image_id/sync', async (ctx) => {
    authorize(ctx.state.context, 'gimming:image:sync');
    const id = imageId(ctx.params.image_id);
    const body = await readJsonBody(ctx, deps.maxBodyBytes);
    check(SyncImage, body, 'body');
    ctx.status = 202;
    ctx.body = await deps.conductor.syncImage(ctx.state.context, {
      image_id: id,
      targets: (body as { targets: string[] }).targets,
    });
  });

  router.post('/v1/images/:image_id/locations', async (ctx) => {
    authorize(ctx.state.context, 'gimming:location:create');
    const id = imageId(ctx.params.image_id);
    const body = await readJsonBody(ctx, deps.maxBodyBytes);
    check(AddLocation, body, 'body');
    const { cloud, image_id } = body as { cloud: string; image_id: string };
    ctx.status = 201;
    ctx.body = await deps.conductor.addLocation(ctx.state.context, {
      image_id: id,
      cloud,
      remote_id: image_id,
    });
  });

  router.delete('/v1/images/:image_id/locations/:cloud', async (ctx) => {
    authorize(ctx.state.context, 'gimming:location:delete');
    await deps.conductor.deleteLocation(ctx.state.context, {
      image_id: imageId(ctx.params.image_id),
      cloud: ctx.params.cloud as string,
      delete_remote: booleanQuery(ctx, 'delete_remote'),
    });
    ctx.status = 204;
  });

  router.delete('/v1/images/:image_id', async (ctx) => {
    authorize(ctx.state.context, 'gimming:image:delete');
    const id = imageId(ctx.params.image_id);
    if (booleanQuery(ctx, 'delete_remote')) {
      throw badRequest(
        'gimming.request.unsupported',
        'Deleting every copy with the image is not available yet: delete each copy with ' +
          `DELETE /v1/images/${id}/locations/{cloud}?delete_remote=true, then the image.`,
      );
    }
    await deps.conductor.deleteImage(ctx.state.context, id);
    ctx.status = 204;
  });

  router.get('/v1/images/:image_id', async (ctx) => {
    authorize(ctx.state.context, 'gimming:image:get');
    ctx.body = await deps.conductor.getImage(ctx.state.context, imageId(ctx.params.image_id));
  });
}

/** An image ID from the path; anything that is not one cannot name an image. */
function imageId(raw: string | undefined): string {
  const id = raw ?? '';
  if (!isUuid(id)) throw notFound('gimming.image.not_found', `Image ${id} was not found.`);
  return id.toLowerCase();
}
