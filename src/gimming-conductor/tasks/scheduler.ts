/**
 * Finds the tasks nobody is working on and takes them: retries that are due, and tasks whose conductor
 * stopped renewing its lease (it stopped or died). Every conductor runs one; taking a task is one
 * conditional UPDATE on its lease, so two conductors never both run it.
 */
import type { DataSource } from 'typeorm';
import { RequestContext } from '../../common/context';
import { GimmingError, describeError } from '../../common/errors';
import { getLogger } from '../../common/log';
import { DB_NOW, dbTimeIn } from '../db/clock';
import { TaskRow } from '../db/entities';
import type { Trusts } from '../trusts';
import type { TaskEngine, TaskType } from './engine';

const log = getLogger('conductor.scheduler');

export class TaskScheduler {
  private timer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly db: DataSource,
    private readonly engine: TaskEngine,
    private readonly trusts: Trusts,
    private readonly host: string,
    private readonly leaseS: number,
    private readonly intervalS: number,
  ) {}

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.scanning = this.scan()
        .catch((err: unknown) => log.warn({ err: describeError(err) }, 'task scan failed'))
        .finally(() => {
          this.scanning = undefined;
          if (!this.stopped) this.timer = setTimeout(tick, this.intervalS * 1000);
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.scanning;
  }

  /** Lets go of this conductor's tasks (at start-up: a previous life of this host held them). */
  async releaseOwn(): Promise<number> {
    const released = await this.db
      .createQueryBuilder()
      .update(TaskRow)
      .set({ leaseExpiresAt: null })
      .where('conductor = :host AND status IN (:...states)', {
        host: this.host,
        states: ['pending', 'running', 'cancelling'],
      })
      .execute();
    const n = released.affected ?? 0;
    if (n > 0) log.warn({ count: n }, 'tasks of a previous run of this conductor will be taken over');
    return n;
  }

  async scan(): Promise<void> {
    const room = this.engine.freeSlots;
    if (room <= 0) return;
    // Leases and due times on the database's clock (db/clock.ts), not this conductor's.
    const due = await this.db
      .getRepository(TaskRow)
      .createQueryBuilder('t')
      .where(`(t.lease_expires_at IS NULL OR t.lease_expires_at < ${DB_NOW})`)
      .andWhere(
        `((t.status = 'pending' AND (t.next_attempt_at IS NULL OR t.next_attempt_at <= ${DB_NOW})) OR t.status IN ('running', 'cancelling'))`,
      )
      .orderBy('t.created_at', 'ASC')
      .limit(room)
      .getMany();
    for (const task of due) {
      if (this.stopped || this.engine.has(task.id)) continue;
      const claimed = await this.db
        .createQueryBuilder()
        .update(TaskRow)
        .set({ conductor: this.host, leaseExpiresAt: dbTimeIn(this.leaseS) })
        .where(`id = :id AND (lease_expires_at IS NULL OR lease_expires_at < ${DB_NOW})`, { id: task.id })
        .execute();
      if (!claimed.affected) continue; // another conductor was quicker
      let ctx: RequestContext;
      try {
        if (!task.trustId) {
          throw new GimmingError(
            'gimming.task.interrupted',
            503,
            'The conductor running this task went away, and no trust was made to go on without the user; ' +
              'submit the work again.',
          );
        }
        ctx = await this.trusts.context(task.trustId, task.requestId ?? undefined);
        ctx.cloudCredentials = this.engine.cloudCredentialsOf(task.id);
      } catch (err) {
        this.fail(task, err);
        continue;
      }
      log.info(
        { task_id: task.id, type: task.type, attempts: task.attempts, was: task.status },
        'task taken over',
      );
      this.engine.submit(task.id, ctx, task.type as TaskType);
    }
  }

  /** A task that cannot go on without its user (no trust, or the trust is gone). */
  private fail(task: TaskRow, err: unknown): void {
    const gerr =
      err instanceof GimmingError
        ? err
        : new GimmingError('gimming.task.interrupted', 503, describeError(err));
    if (gerr.retryable && gerr.code !== 'gimming.task.interrupted') {
      // Keystone could not be reached: let the lease lapse and look again later.
      log.warn({ task_id: task.id, reason: gerr.message }, 'task not taken over yet');
      return;
    }
    log.warn({ task_id: task.id, code: gerr.code, reason: gerr.message }, 'task cannot go on');
    // The task itself records how it ended, as after any failed attempt (no retry: not retryable).
    const final = new GimmingError(gerr.code, gerr.status, gerr.message);
    this.engine.runStopped(
      task.id,
      RequestContext.forService(task.requestId ?? undefined),
      task.type as TaskType,
      final,
    );
  }
}
