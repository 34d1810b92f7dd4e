/**
 * Transactions that outlive a Galera node's loss, deadlocks and the writes Galera aborts: the one place
 * that decides which database errors are worth another try, and tries again, with jittered exponential
 * backoff ([database] db_max_retries, db_retry_interval, db_inc_retry_interval, db_max_retry_interval, as
 * oslo.db's wrap_db_retry names them).
 *
 * `installTransactionRetry` makes the DataSource's own `transaction()` (the one every conductor
 * transaction calls) run the whole callback again on a new connection when:
 *  - the database rolled the transaction back: a deadlock (1213 ER_LOCK_DEADLOCK, which is also how a
 *    Galera certification failure, a conflicting write committed on another node first, is reported), a
 *    lock wait timeout (1205; the whole transaction is rolled back here), a Galera node that is not
 *    ready ("WSREP has not yet prepared node for application use", 1047), or a node shutting down; or
 *  - the connection was lost (a node killed; the pool's next connection goes to the node that is left)
 *    before the COMMIT was sent: the server rolls back a transaction whose connection is gone.
 * A connection lost while the COMMIT was under way is not tried again: that commit may have been done,
 * and doing the work twice is worse than reporting the failure.
 *
 * Statements run outside a transaction are tried again only when the error says the statement was not
 * run (refused, or never sent) or when they only read.
 *
 * The mysql2 pool drops a connection that died, so the next statement reconnects through the front
 * (HAProxy or a virtual IP) to a node that is left: there is no other reconnection to do.
 */
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import type { IsolationLevel } from 'typeorm/driver/types/IsolationLevel';
import { type Backoff, backoffDelayMs, sleep } from '../../common/backoff';
import { getLogger } from '../../common/log';

const log = getLogger('db.retry');

export interface DbRetrySettings {
  /** Further tries after the first one (0: none). */
  maxRetries: number;
  backoff: Backoff;
}

/** [database]'s retry options as a policy. */
export function dbRetrySettings(conf: {
  db_max_retries: number;
  db_retry_interval: number;
  db_inc_retry_interval: boolean;
  db_max_retry_interval: number;
}): DbRetrySettings {
  return {
    maxRetries: conf.db_max_retries,
    backoff: {
      initialMs: conf.db_retry_interval * 1000,
      factor: conf.db_inc_retry_interval ? 2 : 1,
      maxMs: Math.max(conf.db_retry_interval, conf.db_max_retry_interval) * 1000,
    },
  };
}

/**
 * What an error says about the work it interrupted:
 * - `rolled-back`: the server did not keep any of it (safe to run again, even if it came from a COMMIT);
 * - `connection`: the connection went away; what was not committed is rolled back by the server, but a
 *   COMMIT (or an autocommitted statement) under way may or may not have been done;
 * - undefined: not a temporary failure (a constraint, a syntax error...): never tried again.
 */
export type DbFailure = 'rolled-back' | 'connection';

const ROLLED_BACK_ERRNOS = new Set([
  1213, // ER_LOCK_DEADLOCK; also Galera's certification failure (and "brute force abort")
  1205, // ER_LOCK_WAIT_TIMEOUT
  1047, // ER_UNKNOWN_COM_ERROR: "WSREP has not yet prepared node for application use"
  1040, // ER_CON_COUNT_ERROR: too many connections (the connection was refused)
]);
const ROLLED_BACK_CODES = new Set([
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  // Never connected, or the command was not sent on a connection already dead.
  'ECONNREFUSED',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'PROTOCOL_ENQUEUE_AFTER_QUIT',
]);
const CONNECTION_ERRNOS = new Set([
  1053, // ER_SERVER_SHUTDOWN
  1927, // ER_CONNECTION_KILLED
  2006, // CR_SERVER_GONE_ERROR
  2013, // CR_SERVER_LOST
]);
const CONNECTION_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
]);

/** The error mysql2 raised, under TypeORM's QueryFailedError when there is one. */
function driverError(err: unknown): { code?: unknown; errno?: unknown; message?: unknown } {
  if (!err || typeof err !== 'object') return {};
  const inner = (err as { driverError?: unknown }).driverError;
  return inner && typeof inner === 'object' ? inner : err;
}

export function classifyDbError(err: unknown): DbFailure | undefined {
  const e = driverError(err);
  const code = typeof e.code === 'string' ? e.code : '';
  const errno = typeof e.errno === 'number' ? e.errno : undefined;
  const message = typeof e.message === 'string' ? e.message : String((err as Error)?.message ?? '');
  if ((errno !== undefined && ROLLED_BACK_ERRNOS.has(errno)) || ROLLED_BACK_CODES.has(code)) {
    return 'rolled-back';
  }
  if (/WSREP has not yet prepared node|WSREP detected deadlock\/conflict/i.test(message))
    return 'rolled-back';
  // mysql2, when a command is given to a connection it already knows is closed: nothing was sent.
  if (/Can't add new command when connection is in closed state/i.test(message)) return 'rolled-back';
  if ((errno !== undefined && CONNECTION_ERRNOS.has(errno)) || CONNECTION_CODES.has(code))
    return 'connection';
  if (/Connection lost|connection is in closed state|server closed the connection/i.test(message)) {
    return 'connection';
  }
  return undefined;
}

/**
 * Whether to try again after try number `attempt` (1-based) failed with `err`; `uncertain` says that a
 * lost connection may have taken a done write with it (a COMMIT or an autocommitted write under way).
 */
export function shouldRetry(
  settings: DbRetrySettings,
  err: unknown,
  attempt: number,
  uncertain: boolean,
): boolean {
  if (attempt > settings.maxRetries) return false;
  const failure = classifyDbError(err);
  if (failure === 'rolled-back') return true;
  return failure === 'connection' && !uncertain;
}

/** A statement that only reads: running it again cannot do anything twice. */
export function isReadOnlyStatement(sql: string): boolean {
  return /^\s*(\(\s*)?(SELECT|SHOW|DESCRIBE|DESC|EXPLAIN)\b/i.test(sql) && !/\bFOR\s+UPDATE\b/i.test(sql);
}

function describe(err: unknown): { code?: unknown; errno?: unknown; reason: string } {
  const e = driverError(err);
  return { code: e.code, errno: e.errno, reason: String((err as Error)?.message ?? err) };
}

type TransactionFn<T> = (manager: EntityManager) => Promise<T>;

/**
 * Runs `fn` in a transaction, again on a new connection while `shouldRetry` says so. What `fn` does
 * outside the database is done again too: conductor transactions keep to the database.
 */
export async function runTransaction<T>(
  ds: DataSource,
  settings: DbRetrySettings,
  fn: TransactionFn<T>,
  isolation?: IsolationLevel,
  wait: (ms: number) => Promise<void> = sleep,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const runner: QueryRunner = ds.createQueryRunner();
    let committing = false;
    try {
      await runner.startTransaction(isolation);
      const result = await fn(runner.manager);
      committing = true;
      await runner.commitTransaction();
      return result;
    } catch (err) {
      if (runner.isTransactionActive) {
        try {
          await runner.rollbackTransaction();
        } catch {
          // The connection is gone: the server rolls back on its own.
        }
      }
      if (!shouldRetry(settings, err, attempt, committing)) throw err;
      const ms = backoffDelayMs(settings.backoff, attempt);
      log.warn({ ...describe(err), attempt, retry_in_ms: ms, committing }, 'database transaction retried');
      await wait(ms);
    } finally {
      try {
        await runner.release();
      } catch {
        // Released already, or its connection is dead: the pool drops it.
      }
    }
  }
}

interface RunnerInternals {
  databaseConnection?: { release(): void; destroy?(): void };
  databaseConnectionPromise?: Promise<unknown>;
}

/**
 * Makes a query runner try its statements run outside a transaction again on a new connection, when
 * `shouldRetry` says so (a lost connection only for a statement that reads).
 */
function retryingRunner(runner: QueryRunner, settings: DbRetrySettings): QueryRunner {
  const query = runner.query.bind(runner);
  runner.query = (async (sql: string, parameters?: unknown[], structured?: boolean) => {
    for (let attempt = 1; ; attempt++) {
      if (runner.isTransactionActive) return query(sql, parameters, structured as true);
      try {
        return await query(sql, parameters, structured as true);
      } catch (err) {
        if (runner.isTransactionActive) throw err;
        if (!shouldRetry(settings, err, attempt, !isReadOnlyStatement(sql))) throw err;
        const ms = backoffDelayMs(settings.backoff, attempt);
        log.warn({ ...describe(err), attempt, retry_in_ms: ms }, 'database statement retried');
        // The next try takes a new connection from the pool (a dead one is not put back in it).
        const internals = runner as unknown as RunnerInternals;
        const dead = internals.databaseConnection;
        internals.databaseConnection = undefined;
        internals.databaseConnectionPromise = undefined;
        try {
          if (classifyDbError(err) === 'connection' && dead?.destroy) dead.destroy();
          else dead?.release();
        } catch {
          // already gone
        }
        await sleep(ms);
      }
    }
  }) as QueryRunner['query'];
  return runner;
}

/**
 * Makes `ds.transaction(...)` retry as runTransaction does, and the statements run outside a transaction
 * as retryingRunner does. Called once, on the conductor's DataSource.
 */
export function installTransactionRetry(ds: DataSource, settings: DbRetrySettings): DataSource {
  if (settings.maxRetries <= 0) return ds;
  const createRunner = ds.driver.createQueryRunner.bind(ds.driver);
  ds.driver.createQueryRunner = (mode) => retryingRunner(createRunner(mode), settings);
  const transaction = (async (a: IsolationLevel | TransactionFn<unknown>, b?: TransactionFn<unknown>) =>
    typeof a === 'function'
      ? runTransaction(ds, settings, a)
      : runTransaction(ds, settings, b as TransactionFn<unknown>, a)) as DataSource['transaction'];
  ds.transaction = transaction;
  ds.manager.transaction = transaction;
  return ds;
}
