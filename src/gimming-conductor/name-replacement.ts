/**
 * on_conflict replace (name-conflicts.ts): once the new copy is active, the old image of the same name
 * the copy's plan names (`replaces`) is deleted from the cloud. Never one that GIMinG tracks as some
 * image's copy; a failed delete is logged and leaves the old image (the new copy stays active).
 */
import type { DataSource } from 'typeorm';
import type { RequestContext } from '../common/context';
import { describeError } from '../common/errors';
import { getLogger } from '../common/log';
import type { AgentGateway } from './agent-gateway';
import type { AgentRegistry } from './agents';
import { type CloudRow, LocationRow, TaskRow } from './db/entities';
import type { CopyPlan } from './planner';

const log = getLogger('conductor.conflicts');

export class NameReplacement {
  constructor(
    private readonly db: DataSource,
    private readonly agents: AgentRegistry,
    private readonly gateway: AgentGateway,
  ) {}

  async afterCopy(ctx: RequestContext, imageId: string, cloud: CloudRow, remoteId: string): Promise<void> {
    const location = await this.db.getRepository(LocationRow).findOneBy({ imageId, cloudId: cloud.id });
    const task = location?.taskId
      ? await this.db.getRepository(TaskRow).findOneBy({ id: location.taskId })
      : null;
    const replaces = task?.plan ? (JSON.parse(task.plan) as CopyPlan).replaces : undefined;
    if (!replaces || replaces === remoteId) return;
    const fields = { image_id: imageId, cloud: cloud.name, remote_id: replaces, new_remote_id: remoteId };
    if (await this.db.getRepository(LocationRow).existsBy({ cloudId: cloud.id, remoteId: replaces })) {
      log.warn(fields, 'the image of the same name is a tracked copy: not replaced');
      return;
    }
    try {
      const agent = await this.agents.pick(cloud.zone);
      await this.gateway.deleteImage(ctx, agent.address, cloud, replaces);
      log.info(fields, 'image of the same name replaced');
    } catch (err) {
      log.warn({ ...fields, reason: describeError(err) }, 'the image of the same name could not be deleted');
    }
  }
}
