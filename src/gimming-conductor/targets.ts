/**
 * An image's desired state: the clouds it should be in. GIMinG works out what to copy (sync) and which
 * copies to delete, checks every guard of every removal first, and does nothing when one refuses; a dry run
 * answers the plan and its refusals without doing anything.
 */
import type { DataSource } from 'typeorm';
import type { RequestContext } from '../common/context';
import { GimmingError, conflict } from '../common/errors';
import { getLogger } from '../common/log';
import type { AgentGateway } from './agent-gateway';
import type { AgentRegistry } from './agents';
import type { CloudService } from './clouds';
import { type CloudRow, LocationRow } from './db/entities';
import type { ImageAdoption } from './adoption';
import { assertNotDeleting } from './image-guards';
import { capabilitiesOf } from './capabilities';
import type { ImageQueries } from './image-queries';
import type { LocationService } from './locations';
import type { MethodArgs, TargetsRefusal, TargetsView } from './rpc-schemas';

const log = getLogger('conductor.targets');

/** A location in these states holds a copy, or will: a wanted cloud with one needs no new copy. */
const PRESENT = ['active', 'queued', 'copying'];
const IN_PROGRESS = ['queued', 'copying'];

export class TargetService {
  constructor(
    private readonly db: DataSource,
    private readonly clouds: CloudService,
    private readonly agents: AgentRegistry,
    private readonly gateway: AgentGateway,
    private readonly images: ImageQueries,
    private readonly adoption: ImageAdoption,
    private readonly locations: LocationService,
  ) {}

  async set(ctx: RequestContext, args: MethodArgs<'set_targets'>): Promise<TargetsView> {
    const image = await this.images.find(ctx, args.image_id);
    assertNotDeleting(image);
    const wanted: CloudRow[] = [];
    for (const ref of args.clouds) {
      const cloud = await this.clouds.resolve(ctx, ref);
      if (!wanted.some((c) => c.id === cloud.id)) wanted.push(cloud);
    }
    const locations = await this.db.getRepository(LocationRow).findBy({ imageId: image.id });
    const names = await this.clouds.namesById();
    const nameOf = (id: string): string => names.get(id) ?? id;

    const keep: LocationRow[] = [];
    const add: CloudRow[] = [];
    for (const cloud of wanted) {
      const location = locations.find((l) => l.cloudId === cloud.id);
      if (location && PRESENT.includes(location.status)) keep.push(location);
      else add.push(cloud);
    }
    const remove = locations.filter((l) => !wanted.some((c) => c.id === l.cloudId));
    const keptActive = keep.filter((l) => l.status === 'active').length;
    const staged = image.stagingAgent !== null && image.status === 'active';

    const refused: TargetsRefusal[] = [];
    const warnings: TargetsRefusal[] = [];
    for (const location of remove) {
      const check = await this.checkRemoval(ctx, location, nameOf(location.cloudId), keptActive, staged);
      if (check.refusal) refused.push(check.refusal);
      if (check.warning) warnings.push(check.warning);
    }
    const view = (tasks: TargetsView['tasks']): TargetsView => ({
      image_id: image.id,
      dry_run: args.dry_run === true,
      keep: keep.map((l) => nameOf(l.cloudId)),
      add: add.map((c) => c.name),
      remove: remove.map((l) => nameOf(l.cloudId)),
      refused,
      warnings,
      tasks,
    });
    if (args.dry_run) return view([]);
    if (refused.length > 0) {
      throw conflict(
        'gimming.targets.refused',
        `Nothing was changed: ${refused.map((r) => r.message).join(' ')}`,
        { refused },
      );
    }
    // Copies first (from a copy that stays), then the removals.
    let tasks: TargetsView['tasks'] = [];
    if (add.length > 0) {
      const synced = await this.adoption.sync(ctx, {
        image_id: image.id,
        targets: add.map((c) => c.id),
      });
      tasks = synced.locations
        .filter((l) => add.some((c) => c.id === l.cloud_id) && l.task_id !== null)
        .map((l) => ({ cloud: l.cloud, task_id: l.task_id as string }));
    }
    for (const location of remove) {
      await this.locations.delete(ctx, {
        image_id: image.id,
        cloud: location.cloudId,
        delete_remote: true,
      });
    }
    log.info(
      { image_id: image.id, add: add.map((c) => c.name), remove: remove.map((l) => nameOf(l.cloudId)) },
      'targets set',
    );
    return view(tasks);
  }

  /**
   * Why a copy may not be deleted, in words a user can act on, or what they should know before it is
   * (it belongs to another project).
   */
  private async checkRemoval(
    ctx: RequestContext,
    location: LocationRow,
    cloudName: string,
    keptActive: number,
    staged: boolean,
  ): Promise<{ refusal?: TargetsRefusal; warning?: TargetsRefusal }> {
    const say = (code: string, message: string): TargetsRefusal => ({ cloud: cloudName, code, message });
    const refuse = (code: string, message: string) => ({ refusal: say(code, message) });
    if (IN_PROGRESS.includes(location.status)) {
      return refuse(
        'gimming.location.busy',
        `The copy to ${cloudName} is still being made; cancel its task first.`,
      );
    }
    if (location.status !== 'active' || !location.remoteId) return {}; // nothing in the cloud
    if (keptActive === 0) {
      return refuse(
        'gimming.targets.last_copy',
        `The copy in ${cloudName} is needed: no other complete copy of the image would be left` +
          `${staged ? '' : ' to copy from'}. Keep it until the new copies are active, or delete the image.`,
      );
    }
    let remote;
    let cloud: CloudRow;
    try {
      cloud = await this.clouds.resolveForWork(ctx, location.cloudId);
      const agent = await this.agents.pick(cloud.zone);
      remote = await this.gateway.describeImage(ctx, agent.address, cloud, location.remoteId);
    } catch (err) {
      if (err instanceof GimmingError && err.status === 404) return {}; // already gone: forgotten
      const reason =
        err instanceof GimmingError && err.status < 500 ? err.message : 'the cloud did not answer.';
      return refuse('gimming.targets.unchecked', `The copy in ${cloudName} could not be checked: ${reason}`);
    }
    if (remote.visibility === 'public' && !ctx.isAdmin) {
      return refuse(
        'gimming.location.public',
        `The copy in ${cloudName} is public; only an administrator may delete it.`,
      );
    }
    // Told only where owners are projects (Glance): an EC2 copy's owner is an account, never a project.
    const ownersAreProjects =
      capabilitiesOf(await this.agents.capabilitiesByZone(), cloud)?.owners_are_projects !== false;
    if (ownersAreProjects && remote.owner !== ctx.projectId) {
      return {
        warning: say(
          'gimming.targets.others_copy',
          `The copy in ${cloudName} belongs to another project (${remote.owner}); it is deleted there.`,
        ),
      };
    }
    return {};
  }
}
