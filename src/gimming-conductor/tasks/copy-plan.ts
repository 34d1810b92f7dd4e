/**
 * The plan a copy follows as it runs: planned again (planner.ts, the same function that planned the
 * request) from the source as it is now, just before any byte moves. A refused plan fails the task with
 * the planner's reason (no retry mends it); a plan that differs from the one recorded when the copy was
 * queued (an agent's capabilities changed meanwhile) is recorded instead, so that the task shows what it
 * did.
 */
import type { DataSource } from 'typeorm';
import { GimmingError } from '../../common/errors';
import { getLogger } from '../../common/log';
import { type Capabilities, type FormatPlan, capabilitiesOf } from '../capabilities';
import { type CloudRow, TaskRow } from '../db/entities';
import { planCloud } from '../plan-inputs';
import { copyPlanOf, planFrom } from '../planner';

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
): Promise<FormatPlan> {
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
  const recorded = JSON.stringify(copyPlanOf(plan));
  if (recorded !== task.plan) {
    await db.getRepository(TaskRow).update({ id: task.id }, { plan: recorded });
    log.info({ task_id: task.id, was: task.plan, plan: recorded }, 'copy planned again');
  }
  return plan.conversion
    ? { disk_format: plan.conversion.to, convert_from: plan.conversion.from }
    : { disk_format: source.spec.disk_format, convert_from: '' };
}
