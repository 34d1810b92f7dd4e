/**
 * One read of a source for the copies of one request ("one read, N writes", ReadShare in the agent proto):
 * the copies a request queued from the same source (a cloud's copy, or the staged upload) read it through
 * one read on the source agent. Each copy's first attempt carries the group's key and how many copies it
 * has; a retry reads the source itself (the group has moved on).
 */
import { createHash } from 'node:crypto';
import { type DataSource, In, IsNull, LessThanOrEqual } from 'typeorm';
import type { ReadShare } from '../../common/grpc/generated/gimming/agent/v2/ReadShare';
import { TaskRow } from '../db/entities';

type ShareTask = Pick<TaskRow, 'imageId' | 'requestId' | 'sourceCloudId' | 'attempts'>;

/** The key of the group a copy belongs to: the same for every copy of the request from that source. */
export function readShareKey(task: ShareTask): string | undefined {
  if (!task.requestId) return undefined;
  return createHash('sha256')
    .update(`${task.requestId}|${task.imageId}|${task.sourceCloudId ?? 'staging'}`)
    .digest('hex')
    .slice(0, 32);
}

/**
 * The group a copy's first attempt reads with, once its own start is recorded: the copies of its request
 * from its source that are still on their first attempt. None when it is alone or a retry.
 */
export async function readShareOf(db: DataSource, task: ShareTask): Promise<ReadShare | undefined> {
  const key = readShareKey(task);
  if (!key || task.attempts > 0) return undefined;
  const readers = await db.getRepository(TaskRow).countBy({
    imageId: task.imageId,
    requestId: task.requestId as string,
    type: 'copy',
    sourceCloudId: task.sourceCloudId ?? IsNull(),
    status: In(['pending', 'running']),
    attempts: LessThanOrEqual(1),
  });
  return readers >= 2 ? { key, readers } : undefined;
}
