/**
 * `on_conflict` of an image created with targets (create_image, 1.21): what is done when a target already
 * holds another image of the new image's name, with the semantics a sync has (name-conflicts.ts): refuse
 * (the default from REST 1.7: nothing is made), skip (no copy to that cloud), rename (the old image gets
 * `<name>-<UTC date and time>` before any byte moves) or replace (the old image is deleted once the new
 * copy is active). An adopted image's bytes are its source's; an image to upload or import has no bytes
 * yet, so every active image of its name there (not tagged with its ID) is a conflict (`unproven`).
 */
import type { RequestContext } from '../common/context';
import { getLogger } from '../common/log';
import type { AgentGateway } from './agent-gateway';
import type { AgentRegistry } from './agents';
import type { CloudRow, ImageRow } from './db/entities';
import { type OnConflict, findNameConflict, policyFor } from './name-conflicts';
import { planCloud } from './plan-inputs';
import { type Plan, type PlanContext, type PlanSource, type TargetPlan, planTargets } from './planner';
import { type SyncStep, conflictStep } from './sync-steps';

const log = getLogger('conductor.conflicts');

/** What the conflicts change: the plan (refused, skipped or with `conflict`), and the images to rename. */
export interface CreateConflicts {
  plan: Plan;
  renames: { target: CloudRow; rename: NonNullable<SyncStep['rename']> }[];
  /** Per target cloud ID, the old image a copy replaces once it is active (replace). */
  replaces: Record<string, string>;
  /** The targets that get a copy (all but those skipped), with their plans. */
  copies: { target: CloudRow; step: TargetPlan }[];
}

/** The plan of a new image's copies (planner.ts), with each target's conflict (in `targets`' order). */
export async function createConflicts(
  deps: { agents: AgentRegistry; gateway: AgentGateway },
  ctx: RequestContext,
  image: Pick<ImageRow, 'id' | 'specName' | 'size' | 'checksum' | 'osHashAlgo' | 'osHashValue'>,
  targets: readonly CloudRow[],
  onConflict: OnConflict | undefined,
  sources: readonly PlanSource[],
  pc: PlanContext,
  dryRun: boolean,
): Promise<CreateConflicts> {
  const plan = planTargets(targets.map(planCloud), sources, pc);
  const out: CreateConflicts = { plan, renames: [], replaces: {}, copies: [] };
  for (const [i, target] of targets.entries()) {
    if (onConflict === undefined) break;
    const policy = policyFor(onConflict, target);
    // A dry run plans a zone without an agent as the planner does (refused there): nothing to list with.
    if (!policy || (dryRun && !pc.zonesUp.has(target.zone))) continue;
    const agent = await deps.agents.pick(target.zone);
    const found = await findNameConflict(deps.gateway, ctx, agent.address, target, image as ImageRow);
    if (!found) continue;
    const step = conflictStep(target, undefined, policy, found, agent.address, pc, sources);
    plan.targets[i] = step.plan;
    if (step.rename) out.renames.push({ target, rename: step.rename });
    if (policy === 'replace' && !step.plan.refused) out.replaces[target.id] = found.remote.id;
  }
  out.copies = targets.flatMap((target, i) => {
    const step = plan.targets[i] as TargetPlan;
    return step.path === 'skipped' ? [] : [{ target, step }];
  });
  return out;
}

/** on_conflict rename: each old image of the name gets its new name, before any byte moves. */
export async function renameConflicting(
  gateway: AgentGateway,
  ctx: RequestContext,
  imageId: string,
  renames: readonly { target: CloudRow; rename: NonNullable<SyncStep['rename']> }[],
): Promise<void> {
  for (const { target, rename } of renames) {
    await gateway.updateImage(ctx, rename.address, target, rename.remoteId, { name: rename.name });
    log.info(
      { image_id: imageId, cloud: target.name, remote_id: rename.remoteId, name: rename.name },
      'image of the same name renamed',
    );
  }
}
