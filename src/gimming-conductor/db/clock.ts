/**
 * Leases and due times are kept on the database's clock, never a conductor's: every conductor writes and
 * compares them in SQL against UTC_TIMESTAMP(3) (the columns hold UTC, see data-source.ts), so a conductor
 * whose clock drifted neither takes a task whose lease has not run out nor lets its own lapse early.
 */

/** The database's time now, in SQL. */
export const DB_NOW = 'UTC_TIMESTAMP(3)';

/**
 * The database's time `seconds` from now, as a TypeORM raw value (a function) for an insert or update.
 * Typed as a Date, the type of the column it is written to.
 */
export function dbTimeIn(seconds: number): Date {
  const ms = Math.round(Number(seconds) * 1000);
  if (!Number.isFinite(ms)) throw new Error(`not a number of seconds: ${seconds}`);
  return (() => `(${DB_NOW} + INTERVAL ${ms * 1000} MICROSECOND)`) as unknown as Date;
}
