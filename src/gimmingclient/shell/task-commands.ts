/**
 * `gimming task list|show|cancel`.
 */
import type { Command } from 'commander';
import { type TaskView, collect } from '../client';
import { type Run, reportError } from './command-kit';
import { type Shell, listOutput, showOutput } from './context';
import { stageText } from './progress';
import type { Row } from './output';

const TASK_COLUMNS = ['ID', 'Type', 'Image', 'Cloud', 'Status', 'Progress'];
const TASK_LONG = [
  'Source',
  'Bytes Done',
  'Bytes Total',
  'Rate',
  'ETA',
  'Stage',
  'Error',
  'Created At',
  'Finished At',
];

function taskRow(t: TaskView): Row {
  return {
    ID: t.id,
    Type: t.type,
    Image: t.image_id,
    Cloud: t.cloud,
    Status: t.status,
    Progress: t.progress === null ? '' : `${t.progress}%`,
    Source: t.source_cloud,
    'Bytes Done': t.bytes_done,
    'Bytes Total': t.bytes_total,
    Rate: t.rate,
    ETA: t.eta_seconds,
    Stage: stageText(t),
    Error: t.error ? `${t.error.code}: ${t.error.message}` : '',
    'Created At': t.created_at,
    'Finished At': t.finished_at,
  };
}

function taskFields(t: TaskView): Row {
  return { ...t, error: t.error ? `${t.error.code}: ${t.error.message}` : null };
}

export function registerTaskCommands(program: Command, shell: Shell, run: Run): void {
  const task = program.command('task').description('the work GIMinG does: copies, imports, deletes');
  listOutput(
    task
      .command('list')
      .description('list tasks')
      .option('--image <image>', 'of this image (name or ID)')
      .option('--status <status>', 'in this state')
      .option('--cloud <cloud>', 'for this cloud')
      .option('--limit <n>', 'at most this many tasks')
      .option('--marker <id>', 'start after this task')
      .option('--all-projects', 'every project (administrators)')
      .option('--long', 'more columns'),
  ).action(
    run(async (opts: Record<string, unknown>) => {
      const tasks = await collect(
        shell.client.tasks.list(
          {
            ...(opts.image ? { imageId: await shell.imageId(opts.image as string) } : {}),
            ...(opts.status ? { status: opts.status as string } : {}),
            ...(opts.cloud ? { cloud: opts.cloud as string } : {}),
          },
          {
            ...(opts.limit ? { limit: Number(opts.limit) } : {}),
            ...(opts.marker ? { marker: opts.marker as string } : {}),
            ...(opts.allProjects ? { allProjects: true } : {}),
          },
        ),
      );
      shell.printList(opts.long ? [...TASK_COLUMNS, ...TASK_LONG] : TASK_COLUMNS, tasks.map(taskRow), opts);
    }),
  );
  showOutput(task.command('show').description('show a task').argument('<task>', 'the task ID')).action(
    run(async (id: string, opts: Record<string, unknown>) => {
      shell.printOne(taskFields(await shell.client.tasks.get(id)), opts);
    }),
  );
  task
    .command('cancel')
    .description('cancel pending or running tasks')
    .argument('<task...>', 'task IDs')
    .option('--wait', 'wait until they have stopped')
    .action(
      run(async (ids: string[], opts: Record<string, unknown>) => {
        let failed = 0;
        for (const id of ids) {
          try {
            await shell.client.tasks.cancel(id);
          } catch (err) {
            failed += 1;
            reportError(shell, err, `Failed to cancel task ${id}`);
          }
        }
        if (opts.wait) await shell.client.tasks.wait(ids);
        return failed > 0 ? 1 : 0;
      }),
    );
}
