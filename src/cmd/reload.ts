/**
 * SIGHUP, which `systemctl reload` sends: each daemon reloads what oslo.service's services reload, and
 * never stops for it (Node's default for SIGHUP is to exit). The configuration files are read again
 * (the same --config-file and --config-dir, and the environment); from them:
 *
 * - `[DEFAULT] debug`: the log level, at once;
 * - the agents' gRPC certificates and CA (`[agent] ssl_*_file`, common/grpc/tls.ts): re-read, taken for
 *   new connections when the set is whole;
 * - whatever the daemon registered with `onReload` (the API and the conductor: the policy file,
 *   `[oslo_policy] policy_file`).
 *
 * A configuration that no longer loads is not taken: the one in use stays and the error is logged. Every
 * other option takes effect at the next restart; those that changed are named in a warning (names only,
 * never values).
 */
import type { GimmingConfig } from '../common/config/schema';
import { describeError } from '../common/errors';
import type { ReloadingCertificates } from '../common/grpc/tls';
import { getLogger, setLogLevel } from '../common/log';

/** The options a reload applies; any other that changed waits for a restart. */
export const RELOADED_OPTIONS = ['DEFAULT.debug', 'oslo_policy.policy_file'];

export type ReloadHook = (config: GimmingConfig) => void;

/** `group.option` of every option whose value differs between the two configurations. */
export function changedOptions(before: GimmingConfig, after: GimmingConfig): string[] {
  const changed: string[] = [];
  const groups = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const group of groups) {
    const a = (before as unknown as Record<string, Record<string, unknown>>)[group] ?? {};
    const b = (after as unknown as Record<string, Record<string, unknown>>)[group] ?? {};
    for (const option of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (JSON.stringify(a[option]) !== JSON.stringify(b[option])) changed.push(`${group}.${option}`);
    }
  }
  return changed.sort();
}

export class Reloader {
  private readonly hooks: ReloadHook[] = [];
  private readonly log = getLogger('daemon');

  constructor(
    /** The configuration the daemon started with (what needs a restart is compared with it). */
    private readonly started: GimmingConfig,
    /** Reads the configuration again, as at start-up; throws when it does not load. */
    private readonly load: () => GimmingConfig,
    private readonly certificates: ReloadingCertificates | null,
  ) {}

  /** Runs `hook` with the new configuration at each reload; a hook that throws keeps what it had. */
  onReload(hook: ReloadHook): void {
    this.hooks.push(hook);
  }

  install(): void {
    process.on('SIGHUP', () => this.reload());
  }

  reload(): void {
    this.log.info({ signal: 'SIGHUP' }, 'reloading');
    this.certificates?.reload('SIGHUP');
    let next: GimmingConfig;
    try {
      next = this.load();
    } catch (err) {
      this.log.error(
        { err: describeError(err) },
        'configuration not reloaded: it does not load; keeping the one in use',
      );
      return;
    }
    setLogLevel(next.DEFAULT.debug);
    for (const hook of this.hooks) {
      try {
        hook(next);
      } catch (err) {
        this.log.error({ err: describeError(err) }, 'not reloaded: keeping what is in use');
      }
    }
    const restart = changedOptions(this.started, next).filter((o) => !RELOADED_OPTIONS.includes(o));
    if (restart.length > 0) {
      this.log.warn({ options: restart }, 'changed options that take effect at the next restart');
    }
    this.log.info({ debug: next.DEFAULT.debug }, 'configuration reloaded');
    this.log.debug('debug logging is on');
  }
}
