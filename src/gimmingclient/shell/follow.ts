/**
 * Following the tasks a command started until they end (`--wait`).
 */
import { type ImageView, collect } from '../client';
import type { Shell } from './context';
import { TaskBoard } from './progress';

/** Follows tasks to their end; non-zero when any of them did not succeed. */
export async function follow(shell: Shell, taskIds: string[]): Promise<number> {
  if (taskIds.length === 0) return 0;
  const board = new TaskBoard(shell.err);
  const tasks = await shell.client.tasks.wait(taskIds, { onUpdate: (t) => board.update(t) });
  if (!shell.err.isTTY) for (const t of tasks) shell.err.write(`${TaskBoard.line(t)}\n`);
  const failed = tasks.filter((t) => t.status !== 'succeeded');
  if (failed.length > 0) {
    shell.err.write(`${failed.length} of ${tasks.length} tasks did not succeed.\n`);
    return 1;
  }
  return 0;
}

/** The image's tasks (all of them, or those not ended yet), optionally of one type. */
export async function tasksOf(
  shell: Shell,
  imageId: string,
  opts: { all?: boolean; type?: string; except?: string[] } = {},
): Promise<string[]> {
  const tasks = await collect(shell.client.tasks.list({ imageId }));
  return tasks
    .filter((t) => opts.all || !['succeeded', 'failed', 'cancelled'].includes(t.status))
    .filter((t) => !opts.type || t.type === opts.type)
    .filter((t) => !opts.except?.includes(t.id))
    .map((t) => t.id);
}

export function locationTasks(image: ImageView): string[] {
  return image.locations
    .filter((l) => l.task_id && ['queued', 'copying'].includes(l.status))
    .map((l) => l.task_id as string);
}

/** After create: the import (for a URL), then every copy; the image's tasks are all this work's. */
export async function followImage(shell: Shell, imageId: string, importing: boolean): Promise<number> {
  if (importing) {
    // The import queues the copies when it is done: follow it first, then them.
    const imports = await tasksOf(shell, imageId, { all: true, type: 'import' });
    const code = await follow(shell, imports);
    if (code !== 0) return code;
    return follow(shell, await tasksOf(shell, imageId, { all: true, except: imports }));
  }
  return follow(shell, await tasksOf(shell, imageId, { all: true }));
}
