/**
 * /v1/tasks: the asynchronous work behind images, with progress and outcome.
 */
import type Router from '@koa/router';
import { badRequest, notFound } from '../../../common/errors';
import type { AuthState } from '../../middleware/auth-token';
import { taskAt } from '../../bandwidth-field';
import { authorize } from '../../policy';
import { isUuid } from '../../schemas/v1';
import { Task, TaskList } from '../../schemas/v1-responses';
import { shape } from './respond';
import { booleanQuery, checkCloudQuery, nextLink, paging, queryString } from '../pagination';
import type { ControllerDeps } from './clouds';

const TASK_STATES = new Set(['pending', 'running', 'succeeded', 'failed', 'cancelling', 'cancelled']);

export function taskRoutes(router: Router<AuthState>, deps: ControllerDeps): void {
  router.get('/v1/tasks', async (ctx) => {
    authorize(ctx.state.context, 'gimming:task:list');
    const imageId = queryString(ctx, 'image_id');
    if (imageId !== undefined && !isUuid(imageId))
      throw badRequest('gimming.request.invalid', 'image_id must be an image ID.');
    const status = queryString(ctx, 'status');
    if (status !== undefined && !TASK_STATES.has(status)) {
      throw badRequest('gimming.request.invalid', `status must be one of ${[...TASK_STATES].join(', ')}.`);
    }
    const cloud = queryString(ctx, 'cloud');
    if (cloud) checkCloudQuery(cloud, 'cloud');
    const sort = queryString(ctx, 'sort');
    if (sort !== undefined && !/^created_at(:(asc|desc))?$/.test(sort)) {
      throw badRequest('gimming.request.invalid', 'sort must be created_at[:asc|desc].');
    }
    const sortDir = sort?.endsWith(':desc') ? 'desc' : undefined;
    const allProjects = booleanQuery(ctx, 'all_projects');
    if (allProjects) authorize(ctx.state.context, 'gimming:image:list_all_projects');
    const page = await deps.conductor.listTasks(ctx.state.context, {
      ...paging(ctx, deps.defaultLimit, deps.maxLimit),
      all_projects: allProjects,
      ...(imageId ? { image_id: imageId.toLowerCase() } : {}),
      ...(status ? { status } : {}),
      ...(cloud ? { cloud } : {}),
      ...(sortDir ? { sort_dir: sortDir } : {}),
    });
    const next = nextLink(ctx, page.next_marker);
    ctx.body = shape(TaskList, { tasks: page.items.map((t) => taskAt(ctx, t)), ...(next ? { next } : {}) });
  });

  router.post('/v1/tasks/:task_id/cancel', async (ctx) => {
    authorize(ctx.state.context, 'gimming:task:cancel');
    const id = ctx.params.task_id as string;
    if (!isUuid(id)) throw notFound('gimming.task.not_found', `Task ${id} was not found.`);
    ctx.status = 202;
    ctx.body = shape(Task, taskAt(ctx, await deps.conductor.cancelTask(ctx.state.context, id.toLowerCase())));
  });

  router.get('/v1/tasks/:task_id', async (ctx) => {
    authorize(ctx.state.context, 'gimming:task:get');
    const id = ctx.params.task_id as string;
    if (!isUuid(id)) throw notFound('gimming.task.not_found', `Task ${id} was not found.`);
    ctx.body = shape(Task, taskAt(ctx, await deps.conductor.getTask(ctx.state.context, id.toLowerCase())));
  });
}
