import assert from 'node:assert/strict';
import type { DataSource } from 'typeorm';
import { backoffDelayMs } from '../../../src/common/backoff';
import {
  type DbRetrySettings,
  classifyDbError,
  dbRetrySettings,
  isReadOnlyStatement,
  runTransaction,
  shouldRetry,
} from '../../../src/gimming-conductor/db/transaction-retry';

/** An error as mysql2 raises it, wrapped as TypeORM's QueryFailedError does. */
function dbError(fields: { code?: string; errno?: number; message?: string }): Error {
  const driverError = Object.assign(new Error(fields.message ?? fields.code ?? 'error'), fields);
  return Object.assign(new Error(driverError.message), { driverError });
}
const deadlock = () =>
  dbError({ code: 'ER_LOCK_DEADLOCK', errno: 1213, message: 'Deadlock found when trying to get lock' });
const lost = () =>
  dbError({
    code: 'PROTOCOL_CONNECTION_LOST',
    message: 'Connection lost: The server closed the connection.',
  });

const settings: DbRetrySettings = { maxRetries: 3, backoff: { initialMs: 100, factor: 2, maxMs: 1000 } };

/**
 * A DataSource whose query runners fail as `plan` says, one entry per try: where ('start', 'body',
 * 'commit') and with what; a try past the plan succeeds.
 */
function fakeDataSource(plan: Array<{ at: 'start' | 'body' | 'commit'; err: Error }>) {
  // ('body' failures are thrown by the test's own callback.)
  const log: string[] = [];
  let tries = 0;
  const ds = {
    createQueryRunner() {
      const step = plan[tries];
      tries += 1;
      const runner = {
        isTransactionActive: false,
        manager: { step: tries },
        async startTransaction() {
          log.push('start');
          if (step?.at === 'start') throw step.err;
          runner.isTransactionActive = true;
        },
        async commitTransaction() {
          log.push('commit');
          runner.isTransactionActive = false;
          if (step?.at === 'commit') throw step.err;
        },
        async rollbackTransaction() {
          log.push('rollback');
          runner.isTransactionActive = false;
        },
        async release() {
          log.push('release');
        },
      };
      return runner;
    },
  };
  return { ds: ds as unknown as DataSource, log, tries: () => tries };
}

describe('database transaction retry', () => {
  it('tells the failures that roll back from lost connections and from lasting errors', () => {
    assert.equal(classifyDbError(deadlock()), 'rolled-back');
    // Galera's certification failure is reported as a deadlock; a node out of the primary component
    // refuses commands with 1047.
    assert.equal(
      classifyDbError(dbError({ errno: 1213, message: 'WSREP detected deadlock/conflict' })),
      'rolled-back',
    );
    assert.equal(
      classifyDbError(
        dbError({
          errno: 1047,
          code: 'ER_UNKNOWN_COM_ERROR',
          message: 'WSREP has not yet prepared node for application use',
        }),
      ),
      'rolled-back',
    );
    assert.equal(classifyDbError(dbError({ code: 'ER_LOCK_WAIT_TIMEOUT', errno: 1205 })), 'rolled-back');
    assert.equal(classifyDbError(dbError({ code: 'ECONNREFUSED' })), 'rolled-back');
    assert.equal(classifyDbError(lost()), 'connection');
    assert.equal(classifyDbError(dbError({ code: 'ECONNRESET' })), 'connection');
    assert.equal(classifyDbError(dbError({ errno: 1053, code: 'ER_SERVER_SHUTDOWN' })), 'connection');
    assert.equal(classifyDbError(dbError({ code: 'ER_DUP_ENTRY', errno: 1062 })), undefined);
    assert.equal(classifyDbError(dbError({ code: 'ER_PARSE_ERROR', errno: 1064 })), undefined);
    assert.equal(classifyDbError(new Error('something else')), undefined);
    // Unwrapped mysql2 errors too.
    assert.equal(classifyDbError(Object.assign(new Error('x'), { errno: 1213 })), 'rolled-back');
  });

  it('tries again what was rolled back, a lost connection only when no commit may have been done', () => {
    assert.equal(shouldRetry(settings, deadlock(), 1, true), true, 'a deadlock at the commit rolled back');
    assert.equal(shouldRetry(settings, lost(), 1, false), true);
    assert.equal(shouldRetry(settings, lost(), 1, true), false, 'a commit under way may be done');
    assert.equal(shouldRetry(settings, dbError({ errno: 1062 }), 1, false), false);
    assert.equal(shouldRetry(settings, deadlock(), 3, false), true);
    assert.equal(shouldRetry(settings, deadlock(), 4, false), false, 'at most maxRetries more tries');
    assert.equal(shouldRetry({ ...settings, maxRetries: 0 }, deadlock(), 1, false), false);
  });

  it('waits between half and all of a doubling interval, up to the maximum', () => {
    const policy = { initialMs: 100, factor: 2, maxMs: 1000 };
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((n) => backoffDelayMs(policy, n, () => 1)),
      [100, 200, 400, 800, 1000, 1000],
    );
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((n) => backoffDelayMs(policy, n, () => 0)),
      [50, 100, 200, 400, 500],
    );
    const draws = new Set(Array.from({ length: 50 }, () => backoffDelayMs(policy, 3)));
    assert.ok(draws.size > 10, 'the waits are jittered');
    for (const d of draws) assert.ok(d >= 200 && d <= 400, String(d));
    assert.equal(
      backoffDelayMs({ initialMs: 1000, factor: 1, maxMs: 5000 }, 7, () => 1),
      1000,
    );
  });

  it('reads [database] db_max_retries, db_retry_interval, db_inc_retry_interval, db_max_retry_interval', () => {
    assert.deepEqual(
      dbRetrySettings({
        db_max_retries: 5,
        db_retry_interval: 2,
        db_inc_retry_interval: false,
        db_max_retry_interval: 10,
      }),
      { maxRetries: 5, backoff: { initialMs: 2000, factor: 1, maxMs: 10000 } },
    );
  });

  it('runs a deadlocked transaction again on a new runner, after a jittered wait', async () => {
    // The first try deadlocks in its body (below), the second at its commit.
    const { ds, log, tries } = fakeDataSource([
      { at: 'body', err: deadlock() },
      { at: 'commit', err: deadlock() },
    ]);
    const waits: number[] = [];
    const seen: unknown[] = [];
    const result = await runTransaction(
      ds,
      settings,
      async (m: any) => {
        seen.push(m.step);
        if (m.step === 1) throw deadlock();
        return 'done';
      },
      undefined,
      async (ms) => {
        waits.push(ms);
      },
    );
    assert.equal(result, 'done');
    assert.equal(tries(), 3);
    assert.deepEqual(seen, [1, 2, 3]);
    assert.equal(waits.length, 2);
    assert.ok(waits[0]! >= 50 && waits[0]! <= 100 && waits[1]! >= 100 && waits[1]! <= 200, String(waits));
    assert.deepEqual(log, [
      'start',
      'rollback',
      'release', // deadlock in the body: rolled back
      'start',
      'commit',
      'release', // deadlock (certification failure) at the commit
      'start',
      'commit',
      'release',
    ]);
  });

  it('runs again a transaction whose connection was lost before the commit, not during it', async () => {
    const before = fakeDataSource([{ at: 'start', err: lost() }]);
    assert.equal(
      await runTransaction(
        before.ds,
        settings,
        async () => 7,
        undefined,
        async () => undefined,
      ),
      7,
    );
    assert.equal(before.tries(), 2);

    const during = fakeDataSource([{ at: 'commit', err: lost() }]);
    await assert.rejects(
      runTransaction(
        during.ds,
        settings,
        async () => 7,
        undefined,
        async () => undefined,
      ),
      /Connection lost/,
    );
    assert.equal(during.tries(), 1, 'a commit that may have been done is not done twice');
  });

  it('gives up after db_max_retries, and at once on a lasting error', async () => {
    const always = fakeDataSource(
      Array.from({ length: 10 }, () => ({ at: 'commit' as const, err: deadlock() })),
    );
    await assert.rejects(
      runTransaction(
        always.ds,
        settings,
        async () => 1,
        undefined,
        async () => undefined,
      ),
      /Deadlock/,
    );
    assert.equal(always.tries(), 4, 'one try and maxRetries (3) more');

    const dup = fakeDataSource([{ at: 'commit', err: dbError({ code: 'ER_DUP_ENTRY', errno: 1062 }) }]);
    await assert.rejects(
      runTransaction(
        dup.ds,
        settings,
        async () => 1,
        undefined,
        async () => undefined,
      ),
    );
    assert.equal(dup.tries(), 1);
  });

  it('treats only reading statements as safe to send again after a lost connection', () => {
    assert.equal(isReadOnlyStatement('SELECT * FROM tasks'), true);
    assert.equal(isReadOnlyStatement('  (SELECT 1) UNION (SELECT 2)'), true);
    assert.equal(isReadOnlyStatement('SELECT * FROM tasks WHERE id = ? FOR UPDATE'), false);
    assert.equal(isReadOnlyStatement("UPDATE tasks SET status = 'running'"), false);
    assert.equal(isReadOnlyStatement('INSERT INTO tasks VALUES (1)'), false);
  });
});
