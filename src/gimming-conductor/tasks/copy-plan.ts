/**
 * The plan a copy follows as it runs: planned again (planner.ts, the same function that planned the
 * request) from the source as it is now, just before any byte moves. A refused plan fails the task with
 * the planner's reason (no retry mends it); a plan that differs from the one recorded when the copy was
 * queued (an agent's capabilities changed meanwhile) is recorded instead, so that the task shows what it
 * did. Once the copy is made, what the agent did is recorded over the plan where it differs (a native
 * copy the target agent could not make, its bytes streamed instead; a conversion the target cloud's own
 * format list asked for): a task never shows a path that did not run.
 */
import type { DataSource } from 'typeorm';
import { GimmingError } from '../../common/errors';
import { getLogger } from '../../common/log';
import { type Capabilities, type FormatPlan, capabilitiesOf } from '../capabilities';
import { type CloudRow, TaskRow } from '../db/entities';
import { planCloud } from '../plan-inputs';
import type { CopyOutcome } from '../agent-gateway';
import { ranOtherwiseReason } from '../plan-reasons';
import { type CopyPlan, copyPlanOf, planFrom } from '../planner';
import { withLive } from '../live-copies';

const log = getLogger('conductor.copy');

export async function followPlan(
  db: DataSource,
  task: Pick<TaskRow, 'id' | 'plan'>,
  source: {
    cloud: CloudRow | null;
    spec: { disk_format: string; container_format: string };
    converted: boolean;
  },
  target: CloudRow,
  byZone: ReadonlyMap<string, ReadonlyMap<string, Capabilities>>,
  size: number | null,
): Promise<FormatPlan & { planned: CopyPlan }> {
  // Both sides' agents were picked already: their zones are up.
  const zonesUp = new Set([target.zone, ...(source.cloud ? [source.cloud.zone] : [])]);
  const plan = planFrom(
    planCloud(target),
    capabilitiesOf(byZone, target),
    {
      cloud: source.cloud ? planCloud(source.cloud) : null,
      proof: source.converted ? 'converted' : null,
      spec: source.spec,
    },
    { byZone, zonesUp, size },
  );
  if (plan.refused) throw new GimmingError(plan.refused.code, 409, plan.refused.message);
  // What the request decided beyond the path is kept: the image of the same name it replaces, the base,
  // whether it started with its upload (live-copies.ts).
  const was = task.plan ? (JSON.parse(task.plan) as CopyPlan) : undefined;
  const replaces = was?.replaces;
  const again = { ...(copyPlanOf(plan) as CopyPlan), ...(replaces ? { replaces } : {}) };
  const planned = withIncremental(was?.live ? withLive(again, was.live) : again, task.plan);
  const recorded = JSON.stringify(planned);
  if (recorded !== task.plan) {
    await db.getRepository(TaskRow).update({ id: task.id }, { plan: recorded });
    log.info({ task_id: task.id, was: task.plan, plan: recorded }, 'copy planned again');
  }
  return plan.conversion
    ? { disk_format: plan.conversion.to, convert_from: plan.conversion.from, planned }
    : { disk_format: source.spec.disk_format, convert_from: '', planned };
}

/**
 * The incremental part of the plan the request recorded (incremental-plan.ts), kept over the plan made
 * again: an incremental copy stays one while its path as planned again is still a plain stream (the
 * task checks that the base's copy is still there before it starts, CopyTask.incrementalBase).
 */
function withIncremental(planned: CopyPlan, recorded: string | null): CopyPlan {
  if (!recorded) return planned;
  let was: CopyPlan;
  try {
    was = JSON.parse(recorded) as CopyPlan;
  } catch {
    return planned;
  }
  if (!was.incremental) return planned;
  // A converted one stays one as long as the copy is still converted the same way (the source agent
  // converts before comparing blocks).
  const sameStream =
    planned.path === 'agent' ||
    (planned.path === 'agent+convert' &&
      was.conversion?.from === planned.conversion?.from &&
      was.conversion?.to === planned.conversion?.to);
  if (was.path === 'incremental' && sameStream) {
    return { ...planned, path: 'incremental', incremental: was.incremental };
  }
  if (was.path === 'incremental') {
    return {
      ...planned,
      incremental: {
        ...was.incremental,
        base_remote_id: null,
        fallback: `the copy is now planned ${planned.path}, which is made in full`,
      },
    };
  }
  return { ...planned, incremental: was.incremental };
}

/**
 * The path a made copy took, by the agent's outcome: native when the cloud copied it (the proof is its
 * provenance), else through the agents, converted when the agent says it converted the bytes (its proof
 * names the format they were converted from: not the copy's disk format as its cloud shows it, which an
 * AMI does not keep); `bytes`, those read from the source (`sourceBytes`) unless the cloud copied it.
 */
export function whatRan(
  planned: CopyPlan,
  outcome: Pick<CopyOutcome, 'image' | 'proof'>,
  sourceFormat: string,
  sourceBytes: number | null,
): CopyPlan {
  const ran: CopyPlan =
    outcome.proof === 'provenance'
      ? { ...planned, path: 'native', conversion: null, bytes: 0 }
      : streamed(planned, outcome, sourceFormat, sourceBytes);
  // A copy that ran another way says why in its reason (a plan made before reasons has none).
  if (!planned.reason || (ran.path === planned.path && sameConversion(ran, planned))) return ran;
  return { ...ran, reason: ranOtherwiseReason(planned, ran) };
}

function streamed(
  planned: CopyPlan,
  outcome: Pick<CopyOutcome, 'image' | 'proof'>,
  sourceFormat: string,
  sourceBytes: number | null,
): CopyPlan {
  const conversion =
    outcome.proof === 'converted'
      ? (planned.conversion ?? { from: sourceFormat, to: outcome.image.disk_format })
      : null;
  return {
    ...planned,
    // An incremental copy stays one when converted too (the source agent converted before comparing).
    path: planned.path === 'incremental' ? 'incremental' : conversion ? 'agent+convert' : 'agent',
    conversion,
    bytes: planned.path === 'native' || planned.bytes === null ? sourceBytes : planned.bytes,
  };
}

/** Records what a made copy did over its plan where they differ (whatRan), and says so in the log. */
export async function recordWhatRan(
  db: DataSource,
  taskId: string,
  planned: CopyPlan,
  outcome: Pick<CopyOutcome, 'image' | 'proof'>,
  sourceFormat: string,
  sourceBytes: number | null,
): Promise<void> {
  const ran = whatRan(planned, outcome, sourceFormat, sourceBytes);
  if (JSON.stringify(ran) === JSON.stringify(planned)) return;
  await db.getRepository(TaskRow).update({ id: taskId }, { plan: JSON.stringify(ran) });
  log.warn(
    { task_id: taskId, planned, ran },
    'the copy ran another way than planned; the task records what ran',
  );
}

function sameConversion(a: CopyPlan, b: CopyPlan): boolean {
  return JSON.stringify(a.conversion) === JSON.stringify(b.conversion);
}
