/**
 * Runs tasks in this conductor, at most `workers` at a time; the rest wait in order. What a task does
 * depends on its type (copy, delete, import); the engine only schedules, cancels and stops them.
 */
import type { RequestContext } from '../../common/context';
import { runWithContext } from '../../common/context';
import { GimmingError, describeError } from '../../common/errors';
import { getLogger } from '../../common/log';
import { interruptedError } from './errors';

const log = getLogger('conductor.engine');

/** One task's work. `cancel` may come before `run`: the task then records that it was stopped. */
export interface RunnableTask {
  run(): Promise<void>;
  cancel(reason?: GimmingError): void;
}

export type TaskType = 'copy' | 'delete' | 'import' | 'upload';

export type TaskFactory = (type: TaskType, taskId: string, ctx: RequestContext) => RunnableTask;

export class TaskEngine {
  private readonly running = new Map<string, RunnableTask>();
  private readonly waiting: Array<{ type: TaskType; taskId: string; ctx: RequestContext }> = [];

  /** Runs after each task ends (for example to delete staged data nobody needs any more). */
  onTaskEnd: ((ctx: RequestContext, taskId: string) => Promise<void>) | undefined;

  private renewer: NodeJS.Timeout | undefined;

  constructor(
    private readonly makeTask: TaskFactory,
    private readonly workers: number,
    /** Renews the leases of the given tasks (those this conductor runs or has waiting). */
    private readonly renewLeases?: (taskIds: string[]) => Promise<void>,
    leaseS = 30,
    /**
     * Milliseconds one run of a copy or import may take in all ([conductor] task_deadline; 0: no limit):
     * the agents' idle timeouts stop a silent source, this stops one that trickles.
     */
    private readonly deadlineMs = 0,
  ) {
    if (renewLeases) {
      this.renewer = setInterval(
        () => {
          const ids = this.localIds();
          if (ids.length > 0) {
            renewLeases(ids).catch((err: unknown) =>
              log.warn({ err: describeError(err) }, 'could not renew task leases'),
            );
          }
        },
        Math.max(1000, (leaseS * 1000) / 3),
      );
      this.renewer.unref();
    }
  }

  /** The tasks this conductor runs or has waiting. */
  localIds(): string[] {
    return [...this.running.keys(), ...this.waiting.map((w) => w.taskId)];
  }

  has(taskId: string): boolean {
    return this.running.has(taskId) || this.waiting.some((w) => w.taskId === taskId);
  }

  /** Room for more tasks. */
  get freeSlots(): number {
    return Math.max(0, this.workers - this.running.size - this.waiting.length);
  }

  /**
   * The sealed cloud credentials of tasks whose request gave some, kept (in memory only) until the task
   * ends, so that its retries on this conductor still have them.
   */
  private readonly cloudCredentials = new Map<string, string>();

  /** The sealed credentials a task's request gave, if this conductor has them. */
  cloudCredentialsOf(taskId: string): string | undefined {
    return this.cloudCredentials.get(taskId);
  }

  /** Forgets a finished task's credentials. */
  forgetCloudCredentials(taskId: string): void {
    this.cloudCredentials.delete(taskId);
  }

  submit(taskId: string, ctx: RequestContext, type: TaskType = 'copy'): void {
    if (ctx.cloudCredentials) this.cloudCredentials.set(taskId, ctx.cloudCredentials);
    if (this.has(taskId)) return;
    this.waiting.push({ type, taskId, ctx });
    this.pump();
  }

  /** Cancels a task of this conductor, running or waiting; false when it has no such task. */
  cancel(taskId: string): boolean {
    const running = this.running.get(taskId);
    if (running) {
      running.cancel();
      return true;
    }
    const index = this.waiting.findIndex((w) => w.taskId === taskId);
    if (index < 0) return false;
    const [waiting] = this.waiting.splice(index, 1);
    if (waiting) this.runStopped(waiting.taskId, waiting.ctx, waiting.type);
    return true;
  }

  /**
   * Ends a task without doing its work: the task records the outcome (`reason`, by default cancelled by
   * the user) as it would after a failed attempt, each kind with its own location and image updates.
   */
  runStopped(taskId: string, ctx: RequestContext, type: TaskType, reason?: GimmingError): void {
    const task = this.makeTask(type, taskId, ctx);
    task.cancel(reason);
    void this.launch(taskId, ctx, task);
  }

  get activeCount(): number {
    return this.running.size;
  }

  /** Runs a task with its context, then the end-of-task hook; a crash is logged, never thrown. */
  private launch(taskId: string, ctx: RequestContext, task: RunnableTask): Promise<void> {
    return runWithContext(ctx, async () => {
      await task.run();
      await this.onTaskEnd?.(ctx, taskId);
    }).catch((err: unknown) => log.error({ task_id: taskId, err: describeError(err) }, 'task crashed'));
  }

  private pump(): void {
    while (this.running.size < this.workers && this.waiting.length > 0) {
      const next = this.waiting.shift() as (typeof this.waiting)[number];
      const task = this.makeTask(next.type, next.taskId, next.ctx);
      this.running.set(next.taskId, task);
      const deadline =
        this.deadlineMs > 0 && next.type !== 'delete' && next.type !== 'upload'
          ? setTimeout(() => {
              log.warn({ task_id: next.taskId, seconds: this.deadlineMs / 1000 }, 'task deadline reached');
              task.cancel(deadlineExceeded(next.type, this.deadlineMs));
            }, this.deadlineMs)
          : undefined;
      void this.launch(next.taskId, next.ctx, task).finally(() => {
        clearTimeout(deadline);
        this.running.delete(next.taskId);
        this.pump();
      });
    }
  }

  /**
   * Stops every running task (their agents delete partial copies) and waits for them, bounded. They end
   * failed as interrupted, not cancelled: nobody asked for that.
   */
  async stop(graceMs: number): Promise<void> {
    if (this.renewer) clearInterval(this.renewer);
    this.waiting.length = 0;
    for (const task of this.running.values()) task.cancel(interruptedError());
    const deadline = Date.now() + graceMs;
    while (this.running.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  }
}

/** A copy or import that ran past [conductor] task_deadline: it fails for good (a retry would trickle too). */
export function deadlineExceeded(type: TaskType, ms: number): GimmingError {
  return new GimmingError(
    'gimming.task.deadline_exceeded',
    504,
    `The ${type} took longer than ${Math.round(ms / 1000)} seconds (the task deadline) and was stopped; ` +
      'what it had made was removed.',
  );
}
