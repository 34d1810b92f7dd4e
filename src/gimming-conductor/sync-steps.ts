/**
 * What a sync does per target: nothing (the target holds a copy or is getting one), take the copy in it
 * tagged with the image's ID and the same bytes, or a copy by the plan (planner.ts), or refused; with
 * `on_conflict`, what is done about another image of the same name there (name-conflicts.ts). Reads
 * only: a dry run answers its plan, a real sync records it (adoption.ts).
 */
import { In, type DataSource } from 'typeorm';
import type { RequestContext } from '../common/context';
import { GimmingError, conflict } from '../common/errors';
import type { AgentGateway } from './agent-gateway';
import type { AgentRegistry } from './agents';
import { IMAGE_ID_PROPERTY, sameBytes } from './byte-identity';
import type { CloudService } from './clouds';
import { CloudRow, type ImageRow, LocationRow } from './db/entities';
import { type CopyPlanner, planCloud } from './plan-inputs';
import { capabilitiesOf } from './capabilities';
import {
  type ConflictPolicy,
  type NameConflict,
  conflictRefusal,
  findNameConflict,
  policyFor,
  renamedName,
} from './name-conflicts';
import {
  type Plan,
  type PlanContext,
  type PlanSource,
  type TargetPlan,
  planTarget,
  refusedTarget,
  settledTarget,
} from './planner';
import type { MethodArgs } from './rpc-schemas';
import { type IncrementalBase, planIncremental } from './incremental-plan';

/** One target of a sync: what it holds, the tagged copy it takes (adopt), and its plan. */
export interface SyncStep {
  target: CloudRow;
  existing: LocationRow | undefined;
  adopt?: string;
  plan: TargetPlan;
  /** on_conflict rename: the old image to rename before the copy, through this agent. */
  rename?: { remoteId: string; name: string; address: string };
}

export interface SyncDeps {
  db: DataSource;
  clouds: CloudService;
  agents: AgentRegistry;
  gateway: AgentGateway;
  planner: CopyPlanner;
}

/**
 * The base a sync names (incremental_from), as the user sees it: its active copies by cloud. An image is
 * no base of itself.
 */
export async function incrementalBase(
  db: DataSource,
  image: ImageRow,
  base: ImageRow | undefined,
): Promise<IncrementalBase | undefined> {
  if (!base) return undefined;
  if (base.id === image.id) {
    throw new GimmingError(
      'gimming.image.bad_base',
      400,
      'An image is no base of an incremental copy of itself.',
    );
  }
  const locations = await db.getRepository(LocationRow).findBy({ imageId: base.id, status: 'active' });
  const copies = new Map<string, string>();
  for (const l of locations) if (l.remoteId) copies.set(l.cloudId, l.remoteId);
  return { id: base.id, size: base.size, copies };
}

/**
 * What a sync does per target (planner.ts): nothing (it holds a copy or is getting one), take the copy
 * tagged with the image's ID and the same bytes it holds, or a copy by the plan, or refused.
 */
export async function syncSteps(
  deps: SyncDeps,
  ctx: RequestContext,
  image: ImageRow,
  args: MethodArgs<'sync_image'>,
  dryRun = false,
  base?: IncrementalBase,
): Promise<{ plan: Plan; steps: SyncStep[]; sourceClouds: CloudRow[] }> {
  const targets: CloudRow[] = [];
  for (const ref of args.targets) {
    const target = await deps.clouds.resolveForWork(ctx, ref);
    if (!targets.some((t) => t.id === target.id)) targets.push(target);
  }
  const locations = await deps.db.getRepository(LocationRow).findBy({ imageId: image.id });
  const active = locations.filter((l) => l.status === 'active' && l.remoteId);
  if (active.length === 0 && !(image.stagingAgent && image.status === 'active')) {
    throw conflict('gimming.image.no_source', `Image ${image.id} has no active copy to sync from.`);
  }
  // For each target a cloud's copy (source-choice.ts's order, planner.ts), or else the staged upload.
  const sourceClouds =
    active.length > 0
      ? await deps.db.getRepository(CloudRow).findBy({ id: In(active.map((l) => l.cloudId)) })
      : [];
  const copies = active.flatMap((location) => {
    const cloud = sourceClouds.find((c) => c.id === location.cloudId);
    return cloud ? [{ location, cloud }] : [];
  });
  const pc = await deps.planner.context(image.size);
  const sources = await deps.planner.sources(ctx, image, copies, pc);
  const steps: SyncStep[] = [];
  for (const target of targets) {
    const existing = locations.find((l) => l.cloudId === target.id);
    if (existing && ['active', 'queued', 'copying'].includes(existing.status)) {
      steps.push({ target, existing, plan: settledTarget(planCloud(target), 'present') });
      continue;
    }
    // A real sync answers 503 for a zone without an agent, as before the planner; a dry run plans it.
    if (!dryRun || pc.zonesUp.has(target.zone)) {
      const agent = await deps.agents.pick(target.zone);
      const tagged = await deps.gateway.listImages(ctx, agent.address, target, {
        [IMAGE_ID_PROPERTY]: image.id,
      });
      const same = tagged.find((t) => t.status === 'active' && sameBytes(image, t));
      if (same) {
        steps.push({ target, existing, adopt: same.id, plan: settledTarget(planCloud(target), 'tagged') });
        continue;
      }
      const policy = policyFor(args.on_conflict, target);
      const found = policy
        ? await findNameConflict(deps.gateway, ctx, agent.address, target, image)
        : undefined;
      if (policy && found) {
        steps.push(conflictStep(target, existing, policy, found, agent.address, pc, sources));
        continue;
      }
    }
    let plan = planTarget(planCloud(target), sources, pc);
    if (base) {
      const from = sourceClouds.find((c) => c.id === plan.source_cloud_id);
      plan = planIncremental(
        plan,
        planCloud(target),
        from ? planCloud(from) : null,
        base,
        pc.byZone,
        image.size,
      );
    }
    steps.push({ target, existing, plan });
  }
  return { plan: { targets: steps.map((s) => s.plan) }, steps, sourceClouds };
}

/** A target that holds an image of the name with other bytes: refused, skipped, or copied (rename, replace). */
export function conflictStep(
  target: CloudRow,
  existing: LocationRow | undefined,
  policy: ConflictPolicy,
  found: NonNullable<Awaited<ReturnType<typeof findNameConflict>>>,
  address: string,
  pc: PlanContext,
  sources: readonly PlanSource[],
): SyncStep {
  const held: NameConflict = {
    remote_id: found.remote.id,
    name: found.remote.name,
    bytes: found.bytes,
    policy,
    ...(policy === 'rename' ? { renamed_to: renamedName(found.remote.name, new Date()) } : {}),
  };
  const fixedNames = capabilitiesOf(pc.byZone, target)?.fixed_names === true;
  if (policy === 'refuse' || (policy === 'rename' && fixedNames)) {
    const plan = refusedTarget(planCloud(target), conflictRefusal(held, target, fixedNames));
    return { target, existing, plan: { ...plan, conflict: held } };
  }
  if (policy === 'skip')
    return { target, existing, plan: { ...settledTarget(planCloud(target), 'skipped'), conflict: held } };
  const plan = { ...planTarget(planCloud(target), sources, pc), conflict: held };
  return {
    target,
    existing,
    plan,
    ...(policy === 'rename' && !plan.refused
      ? { rename: { remoteId: found.remote.id, name: held.renamed_to as string, address } }
      : {}),
  };
}
