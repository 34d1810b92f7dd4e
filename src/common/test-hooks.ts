/**
 * Fault injection for the functional tests, off unless its environment variable is set (never set it in
 * a deployment):
 *
 * - `GIMMING_TEST_CRASH_AT=<point>`: the process kills itself (SIGKILL, as a power cut would) when it
 *   reaches the named point (`crashPoint`), e.g. `after_create_commit`, once the image's record is
 *   committed and before the call is answered.
 * - `GIMMING_TEST_CLOCK_OFFSET_MS=<ms>`: the process's clock (Date.now and new Date()) runs that far
 *   ahead (or, negative, behind) of the machine's, as a conductor on a host whose clock drifted.
 * - `GIMMING_TEST_BROWSE_WINDOW=<n>`: the API's browse window (clouds.ts BROWSE_WINDOW, the most images a
 *   browse reaches where the cloud cannot page) is n, so that a test goes past it with a few images.
 */

/** Kills this process at once when GIMMING_TEST_CRASH_AT names `point`. */
export function crashPoint(point: string): void {
  if (process.env.GIMMING_TEST_CRASH_AT !== point) return;
  // One JSON line, as the daemons' logs are (written at once: the process ends on the next line).
  const line = { level: 'warn', time: new Date().toISOString(), message: 'test crash point', point };
  process.stderr.write(`${JSON.stringify(line)}\n`);
  process.kill(process.pid, 'SIGKILL');
}

/** Shifts this process's clock by GIMMING_TEST_CLOCK_OFFSET_MS, when set; call before anything else. */
export function applyClockOffset(): number {
  const offset = Number(process.env.GIMMING_TEST_CLOCK_OFFSET_MS ?? 0);
  if (!Number.isFinite(offset) || offset === 0) return 0;
  const RealDate = Date;
  const realNow = RealDate.now.bind(RealDate);
  class SkewedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(realNow() + offset);
      else super(...(args as [string | number | Date]));
    }

    static override now(): number {
      return realNow() + offset;
    }

    /** Dates made before the shift, or by native code, are dates all the same. */
    static override [Symbol.hasInstance](value: unknown): boolean {
      return value instanceof RealDate;
    }
  }
  globalThis.Date = SkewedDate as DateConstructor;
  return offset;
}

/** The browse window: `standard`, or GIMMING_TEST_BROWSE_WINDOW when set to a smaller positive count. */
export function browseWindow(standard: number): number {
  const n = Number(process.env.GIMMING_TEST_BROWSE_WINDOW ?? 0);
  return Number.isInteger(n) && n > 0 && n < standard ? n : standard;
}
