/**
 * [conductor] task_deadline: the engine stops a copy or import that runs past it, with
 * gimming.task.deadline_exceeded, and frees its worker; a delete has no deadline.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { RequestContext } from '../../../src/common/context';
import type { GimmingError } from '../../../src/common/errors';
import { setupLogging } from '../../../src/common/log';
import { type RunnableTask, TaskEngine, type TaskType } from '../../../src/gimming-conductor/tasks/engine';

/** A task that runs until it is cancelled, and remembers why. */
class EndlessTask implements RunnableTask {
  reason: GimmingError | undefined;
  private stop: (() => void) | undefined;
  run(): Promise<void> {
    return new Promise((resolve) => {
      this.stop = resolve;
      if (this.reason) resolve();
    });
  }
  cancel(reason?: GimmingError): void {
    this.reason = reason;
    this.stop?.();
  }
}

describe('TaskEngine deadline', () => {
  before(() => setupLogging('gimming', false, new Writable({ write: (_c, _e, done) => done() })));
  after(() => setupLogging('gimming', false));

  it('stops a copy or import past the deadline and runs the next one; leaves a delete alone', async () => {
    const made = new Map<string, EndlessTask>();
    const engine = new TaskEngine(
      (_type: TaskType, id: string) => {
        const task = new EndlessTask();
        made.set(id, task);
        return task;
      },
      1,
      undefined,
      30,
      100,
    );
    const ctx = RequestContext.forService();
    engine.submit('copy-1', ctx, 'copy');
    engine.submit('import-1', ctx, 'import');
    await new Promise((r) => setTimeout(r, 350));
    assert.equal(made.get('copy-1')?.reason?.code, 'gimming.task.deadline_exceeded');
    assert.match(made.get('copy-1')?.reason?.message ?? '', /copy took longer than/);
    assert.equal(
      made.get('import-1')?.reason?.code,
      'gimming.task.deadline_exceeded',
      'the worker was freed',
    );
    engine.submit('delete-1', ctx, 'delete');
    await new Promise((r) => setTimeout(r, 250));
    assert.equal(made.get('delete-1')?.reason, undefined, 'a delete has no deadline');
    engine.cancel('delete-1');
    await engine.stop(1000);
  });
});
