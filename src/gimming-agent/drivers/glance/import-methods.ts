/**
 * The import methods each Glance of this agent's zone has enabled, as it says itself
 * (`GET /v2/info/import`, its `[DEFAULT] enabled_import_methods`): whether it can pull an image from
 * another region's Glance itself (`glance-download`, Zed and later), so that a copy moves no byte through
 * the agents. Glance answers only with a token, and the agent has none of its own: the list is read with
 * the first caller's token that reaches an endpoint, kept for a while per endpoint, and what was read so
 * far is what the heartbeats say (native_copy).
 */

/** How long an endpoint's list is kept: an operator changes it rarely (and restarts Glance for it). */
export const IMPORT_METHODS_TTL_MS = 10 * 60 * 1000;

/** Glance's method that imports an image from another region's Glance of the same Keystone. */
export const GLANCE_DOWNLOAD = 'glance-download';

interface Entry {
  methods: Promise<string[]>;
  at: number;
  /** The list once read (undefined while it is being read). */
  read?: readonly string[];
}

/** The lists read, by image endpoint; a read that fails is not kept. */
export class ImportMethodCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs = IMPORT_METHODS_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  get(endpoint: string, read: () => Promise<string[]>): Promise<string[]> {
    const cached = this.entries.get(endpoint);
    if (cached && this.now() - cached.at < this.ttlMs) return cached.methods;
    const entry: Entry = { methods: read(), at: this.now() };
    if (cached?.read) entry.read = cached.read; // what was known stays known until the new answer
    this.entries.set(endpoint, entry);
    entry.methods.then(
      (methods) => {
        entry.read = methods;
      },
      () => {
        if (this.entries.get(endpoint) === entry) {
          if (entry.read) this.entries.set(endpoint, { ...entry, at: this.now() - this.ttlMs });
          else this.entries.delete(endpoint);
        }
      },
    );
    return entry.methods;
  }

  /** Reads the list in the background (a failure is only not kept): the caller does not wait for it. */
  learn(endpoint: string, read: () => Promise<string[]>): void {
    this.get(endpoint, read).catch(() => undefined);
  }

  /**
   * Whether every endpoint read so far advertises `method` (false when none was read yet): the zone's
   * capability, as its heartbeats say it.
   */
  everywhere(method: string): boolean {
    return this.advertised(method) === 'yes';
  }

  /**
   * Whether every endpoint read so far advertises `method` (`yes`), one does not (`no`), or none was read
   * yet (`unknown`): what the heartbeats say of why there is no native copy (nativeCopyUnavailable).
   */
  advertised(method: string): 'yes' | 'no' | 'unknown' {
    const known = [...this.entries.values()].map((e) => e.read).filter((r) => r !== undefined);
    if (known.length === 0) return 'unknown';
    return known.every((methods) => methods.includes(method)) ? 'yes' : 'no';
  }
}
