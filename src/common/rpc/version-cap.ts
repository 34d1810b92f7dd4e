/**
 * RPC version caps, as nova's `[upgrade_levels]`: the highest version a sender may send to a topic while
 * servers of several releases run side by side (a rolling upgrade). With `auto`, the cap is the oldest
 * version among the live servers, which they record in the database and a server tells on request (for
 * the conductor: `service_versions`, 1.13; an older conductor tells its own through `ping`); a version
 * pins it by hand; empty means no cap. The value is looked up at most every `refreshMs` (one lookup at a
 * time); while it cannot be learnt, nothing is capped and the servers refuse what they cannot serve.
 */
import type { RequestContext } from '../context';
import { GimmingError } from '../errors';
import { getLogger } from '../log';
import { compareVersions, isVersion } from './envelope';

const log = getLogger('rpc.version_cap');

/** A cap learnt from the servers: their oldest version, and from what (for messages). */
export interface LearntCap {
  version: string;
  source: string;
}

export class VersionCap {
  private learnt: { cap: LearntCap | undefined; at: number } | undefined;
  private inFlight: Promise<LearntCap | undefined> | undefined;

  /**
   * `setting`: the option's value (`auto`, `major.minor` or empty); `lookup`: how `auto` learns the
   * oldest live server's version (undefined when it cannot tell).
   */
  constructor(
    readonly topic: string,
    private readonly setting: string,
    private readonly lookup: (ctx: RequestContext) => Promise<LearntCap | undefined>,
    private readonly refreshMs = 30000,
    private readonly retryMs = 5000,
  ) {
    const s = setting.trim();
    if (s !== '' && s !== 'auto' && !isVersion(s)) {
      throw new Error(`[upgrade_levels] ${topic} must be auto, a version (major.minor) or empty, not "${s}"`);
    }
    this.setting = s;
  }

  /** The cap now: undefined when there is none (or it cannot be learnt yet). */
  async current(ctx: RequestContext): Promise<LearntCap | undefined> {
    if (this.setting === '') return undefined;
    if (this.setting !== 'auto') return { version: this.setting, source: `[upgrade_levels] ${this.topic}` };
    const now = Date.now();
    if (this.learnt) {
      const age = now - this.learnt.at;
      if (age < (this.learnt.cap ? this.refreshMs : this.retryMs)) return this.learnt.cap;
    }
    this.inFlight ??= this.learn(ctx).finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async learn(ctx: RequestContext): Promise<LearntCap | undefined> {
    let cap: LearntCap | undefined;
    try {
      cap = await this.lookup(ctx);
    } catch (err) {
      log.warn({ topic: this.topic, reason: (err as Error).message }, 'cannot learn the RPC version cap yet');
      cap = this.learnt?.cap; // keep what was known
    }
    if (cap && cap.version !== this.learnt?.cap?.version) {
      log.info({ topic: this.topic, cap: cap.version, source: cap.source }, 'RPC version cap');
    }
    this.learnt = { cap, at: Date.now() };
    return cap;
  }

  /** Throws 409 gimming.rpc.version_capped when `version` (which `method` needs) is above the cap. */
  async check(ctx: RequestContext, method: string, version: string): Promise<void> {
    const cap = await this.current(ctx);
    if (!cap || compareVersions(version, cap.version) <= 0) return;
    throw new GimmingError(
      'gimming.rpc.version_capped',
      409,
      `This request needs ${this.topic} RPC ${version} (${method}), above the cap of ${cap.version} ` +
        `(${cap.source}): it is available once every ${this.topic} is upgraded.`,
      { details: { method, needs: version, cap: cap.version } },
    );
  }
}
