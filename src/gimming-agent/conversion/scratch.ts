/**
 * One conversion's scratch space: a directory of its own under the staging area's scratch directory,
 * and room reserved for it in the staging accounting ([agent] staging_max_bytes). Released (the files
 * removed, the room freed) whatever way the conversion ends.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { StagingStore } from '../staging/store';

export class Scratch {
  readonly dir: string;
  private readonly key = randomUUID();
  private released = false;

  constructor(private readonly staging: StagingStore) {
    this.dir = join(staging.scratchDir, this.key);
  }

  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
  }

  file(name: string): string {
    return join(this.dir, name);
  }

  /** Reserves (or grows to) `bytes` in all; throws gimming.staging.full when they do not fit. */
  reserve(bytes: number, what: string): void {
    this.staging.reserveScratch(this.key, bytes, what);
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await rm(this.dir, { recursive: true, force: true });
    // The last conversion out removes the scratch directory (another one may still be using it).
    await rmdir(this.staging.scratchDir).catch(() => undefined);
    this.staging.releaseScratch(this.key);
  }
}
