/**
 * GET /healthcheck, as oslo.middleware's healthcheck answers it, so that load balancers and operators'
 * tools configured for OpenStack APIs work as they are:
 *
 * - 200 `OK` when every check passes, else 503 with the reasons of the checks that failed; HEAD answers
 *   204 or 503 without a body.
 * - text/plain unless the Accept header prefers application/json: `{"detailed": false, "reasons": [...]}`,
 *   or with [healthcheck] detailed every check with its details plus the process and the platform.
 * - [healthcheck] disable_by_file_path: while that file exists, 503 `DISABLED BY FILE` (draining).
 *
 * The checks: the disable file, the messaging connection, and a conductor answering a ping. The ping is
 * cheap (the conductor answers without its database) and its outcome is reused for
 * [healthcheck] conductor_cache_time seconds, and never sent twice at once, so that a load balancer
 * polling every API node does not flood the conductor.
 */
import { existsSync } from 'node:fs';
import { arch, hostname, platform, release } from 'node:os';
import type Koa from 'koa';
import { GimmingError, describeError } from '../common/errors';
import { getLogger } from '../common/log';
import { VERSION } from '../common/version';

const log = getLogger('api.healthcheck');

export interface CheckResult {
  /** Which check: disable_by_file, messaging, conductor. */
  check: string;
  available: boolean;
  /** OK, or what is wrong, in a sentence a load balancer's log can show. */
  reason: string;
  /** More about it, shown only in detailed mode. */
  details: string;
}

export interface HealthCheck {
  readonly name: string;
  run(): CheckResult | Promise<CheckResult>;
}

export const DISABLED_BY_FILE = 'DISABLED BY FILE';

/** oslo's disable_by_file: unavailable while the file exists. */
export function disableByFileCheck(path: string | null): HealthCheck {
  const name = 'disable_by_file';
  return {
    name,
    run: () => {
      if (!path) return { check: name, available: true, reason: 'OK', details: 'No file configured.' };
      return existsSync(path)
        ? { check: name, available: false, reason: DISABLED_BY_FILE, details: `Path '${path}' was found.` }
        : { check: name, available: true, reason: 'OK', details: `Path '${path}' was not found.` };
    },
  };
}

export function messagingCheck(isConnected: () => boolean): HealthCheck {
  const name = 'messaging';
  return {
    name,
    run: () =>
      isConnected()
        ? { check: name, available: true, reason: 'OK', details: 'Connected to the messaging service.' }
        : {
            check: name,
            available: false,
            reason: 'The messaging service is unreachable.',
            details: 'No connection to any broker of [DEFAULT] transport_url.',
          },
  };
}

/** The RPC errors that mean no conductor answered; any other answer, even an error, is a conductor's. */
const UNREACHABLE = new Set(['gimming.rpc.timeout', 'gimming.rpc.unavailable', 'gimming.rpc.closed']);

export const CONDUCTOR_UNREACHABLE = 'The conductor is unreachable.';

/** A conductor answers a ping within the timeout; the outcome is cached for `cacheMs`. */
export class ConductorCheck implements HealthCheck {
  readonly name = 'conductor';
  private cached: { result: CheckResult; at: number } | undefined;
  private inFlight: Promise<CheckResult> | undefined;

  constructor(
    /** Pings one conductor; rejects with the RPC error when none answers in time. */
    private readonly ping: () => Promise<{ host: string; rpc_version: string }>,
    private readonly cacheMs: number,
    /** Without a broker there is nobody to ask: unreachable at once, nothing sent, nothing cached. */
    private readonly messagingUp: () => boolean = () => true,
    private readonly now: () => number = Date.now,
  ) {}

  async run(): Promise<CheckResult> {
    if (!this.messagingUp()) {
      return {
        check: this.name,
        available: false,
        reason: CONDUCTOR_UNREACHABLE,
        details: 'The messaging service is unreachable.',
      };
    }
    if (this.cached && this.now() - this.cached.at < this.cacheMs) return this.cached.result;
    this.inFlight ??= this.pingOnce().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async pingOnce(): Promise<CheckResult> {
    const started = this.now();
    let result: CheckResult;
    try {
      const answer = await this.ping();
      result = {
        check: this.name,
        available: true,
        reason: 'OK',
        details: `Conductor ${answer.host} (RPC API ${answer.rpc_version}) answered in ${this.now() - started} ms.`,
      };
    } catch (err) {
      if (err instanceof GimmingError && !UNREACHABLE.has(err.code)) {
        // An older conductor without `ping` refuses it: it is there all the same.
        result = {
          check: this.name,
          available: true,
          reason: 'OK',
          details: `A conductor answered the ping with ${err.code}.`,
        };
      } else {
        result = {
          check: this.name,
          available: false,
          reason: CONDUCTOR_UNREACHABLE,
          details: err instanceof GimmingError ? `${err.code}: ${err.message}` : describeError(err),
        };
      }
    }
    this.cached = { result, at: this.now() };
    return result;
  }
}

export interface HealthReport {
  healthy: boolean;
  results: CheckResult[];
}

export class Healthcheck {
  private wasHealthy = true;

  constructor(
    private readonly checks: HealthCheck[],
    readonly detailed: boolean,
  ) {}

  /** Runs every check (at once); logs when the verdict changes. */
  async report(): Promise<HealthReport> {
    const results = await Promise.all(this.checks.map(async (c) => c.run()));
    const healthy = results.every((r) => r.available);
    if (healthy !== this.wasHealthy) {
      const failing = results.filter((r) => !r.available).map((r) => ({ check: r.check, reason: r.reason }));
      if (healthy) log.info('healthcheck passes again');
      else log.warn({ failing }, 'healthcheck fails');
      this.wasHealthy = healthy;
    }
    return { healthy, results };
  }

  /** The Koa handler of GET and HEAD /healthcheck. */
  handler(): Koa.Middleware {
    return async (ctx) => {
      const { healthy, results } = await this.report();
      ctx.set('Cache-Control', 'no-store');
      if (ctx.method === 'HEAD') {
        ctx.status = healthy ? 204 : 503;
        ctx.type = 'text/plain';
        return;
      }
      ctx.status = healthy ? 200 : 503;
      const reasons = healthy ? ['OK'] : results.filter((r) => !r.available).map((r) => r.reason);
      // oslo's order: text/plain first, so that */* and no Accept header get text.
      if (ctx.accepts('text/plain', 'application/json') === 'application/json') {
        ctx.type = 'application/json';
        ctx.body = this.detailed ? this.detailedBody(results) : { detailed: false, reasons };
      } else {
        ctx.type = 'text/plain';
        ctx.body = reasons.join('\n');
      }
    };
  }

  private detailedBody(results: CheckResult[]) {
    const memory = process.memoryUsage();
    return {
      detailed: true,
      reasons: results.map((r) => ({ reason: r.reason, details: r.details, class: r.check })),
      now: new Date().toISOString(),
      hostname: hostname(),
      version: VERSION,
      node_version: process.version,
      platform: `${platform()}-${release()}-${arch()}`,
      pid: process.pid,
      uptime_seconds: Math.round(process.uptime()),
      memory: { rss: memory.rss, heap_used: memory.heapUsed, heap_total: memory.heapTotal },
    };
  }
}
