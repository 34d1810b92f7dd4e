/**
 * Reading tasks: list with filters, show one. A task is visible to whoever can see its image. An upload's
 * task (the lease its API server holds while the data arrives) is the conductors' own: users follow an
 * upload by its image's status, as before uploads were leased.
 */
import type { DataSource } from 'typeorm';
import type { RequestContext } from '../common/context';
import { badRequest, notFound } from '../common/errors';
import type { CloudService } from './clouds';
import { ImageRow, TaskRow } from './db/entities';
import type { MethodArgs, Page, TaskView } from './rpc-schemas';
import { CREATED_ASC, pageAfter } from './pagination';
import { taskView } from './views';

export class TaskQueries {
  constructor(
    private readonly db: DataSource,
    private readonly clouds: CloudService,
  ) {}

  private async visible(ctx: RequestContext, task: TaskRow | null): Promise<boolean> {
    if (!task) return false;
    if (ctx.isAdmin || task.projectId === ctx.projectId) return true;
    const image = await this.db.getRepository(ImageRow).findOneBy({ id: task.imageId });
    return image !== null && image.owner === ctx.projectId;
  }

  async get(ctx: RequestContext, id: string): Promise<TaskView> {
    const task = await this.db.getRepository(TaskRow).findOneBy({ id });
    if (!task || task.type === 'upload' || !(await this.visible(ctx, task)))
      throw notFound('gimming.task.not_found', `Task ${id} was not found.`);
    return taskView(task, await this.clouds.namesById());
  }

  async list(ctx: RequestContext, args: MethodArgs<'list_tasks'>): Promise<Page<TaskView>> {
    const qb = this.db.getRepository(TaskRow).createQueryBuilder('t');
    if (!(ctx.isAdmin && args.all_projects)) qb.where('t.project_id = :p', { p: ctx.projectId ?? '' });
    qb.andWhere("t.type <> 'upload'");
    if (args.image_id) qb.andWhere('t.image_id = :image', { image: args.image_id });
    if (args.status) qb.andWhere('t.status = :status', { status: args.status });
    if (args.cloud)
      qb.andWhere('t.cloud_id = :cloud', { cloud: (await this.clouds.resolve(ctx, args.cloud)).id });
    let marker: TaskRow | undefined;
    if (args.marker) {
      const row = await this.db.getRepository(TaskRow).findOneBy({ id: args.marker });
      if (!row || !(await this.visible(ctx, row))) {
        throw badRequest('gimming.list.bad_marker', `Marker ${args.marker} is not a task in this listing.`);
      }
      marker = row;
    }
    const page = await pageAfter(qb, 't', marker, args.limit, {
      ...CREATED_ASC,
      dir: args.sort_dir ?? 'asc',
    });
    const names = await this.clouds.namesById();
    return { items: page.rows.map((t) => taskView(t, names)), next_marker: page.nextMarker };
  }
}
