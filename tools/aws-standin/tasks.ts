/**
 * The asynchronous side of EC2: import, export and copy tasks advance on a timer, their simulated
 * duration set by the configured speed (a few seconds by default, so a poller really sees them move),
 * while the real work (download, check, convert, upload, copy) runs as a background job that can be
 * cancelled.
 */
import type { StandinConfig } from './config';

export class Jobs {
  private readonly running = new Map<string, AbortController>();

  constructor(private readonly log: (msg: string) => void) {}

  has(id: string): boolean {
    return this.running.has(id);
  }

  /** Runs `work` for task `id` once; its failure is handed to `onError` (never thrown). */
  start(id: string, work: (signal: AbortSignal) => Promise<void>, onError: (e: Error) => void): void {
    if (this.running.has(id)) return;
    const ac = new AbortController();
    this.running.set(id, ac);
    work(ac.signal)
      .catch((e: Error) => {
        if (!ac.signal.aborted) {
          this.log(`job ${id} failed: ${e.message}`);
          onError(e);
        }
      })
      .finally(() => {
        if (this.running.get(id) === ac) this.running.delete(id);
      });
  }

  abort(id: string): void {
    const ac = this.running.get(id);
    if (ac) {
      this.running.delete(id);
      ac.abort();
    }
  }
}

/** How far a task of this size is after this long, 0..1, at the configured speed. */
export function fractionDone(cfg: StandinConfig, startedAt: number, sizeBytes: number): number {
  const duration = Math.max(cfg.tasks.minDurationMs, (sizeBytes / cfg.tasks.bytesPerSecond) * 1000);
  return Math.min(1, (Date.now() - startedAt) / duration);
}
