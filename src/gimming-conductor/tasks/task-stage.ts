/**
 * The stage of a copy's work after the bytes, as the agent's Progress events report it (the cloud's own
 * work, such as EC2's import task, or the agent's conversion), as the task records it (migration 0012).
 */
import type { Progress__Output } from '../../common/grpc/generated/gimming/agent/v2/Progress';
import type { TaskRow } from '../db/entities';

export type TaskStage = Pick<TaskRow, 'stage' | 'stagePercent' | 'stageDetail'>;

/** The task's stage columns from a Progress event: all null while only bytes move. */
export function stageOf(
  progress: Pick<Progress__Output, 'stage' | 'stage_percent' | 'stage_detail'>,
): TaskStage {
  const stage = (progress.stage ?? '').slice(0, 32);
  if (!stage) return { stage: null, stagePercent: null, stageDetail: null };
  const percent = progress.stage_percent;
  const detail = (progress.stage_detail ?? '').slice(0, 255);
  return {
    stage,
    // -1 (and anything outside 0-100) is the agent's "none given".
    stagePercent: Number.isInteger(percent) && percent >= 0 && percent <= 100 ? percent : null,
    stageDetail: detail || null,
  };
}
