/**
 * The disk formats a Glance zone takes, as it says itself: the disk_format enum of its image schema
 * (`GET /v2/schemas/image`), which Glance builds from its `[image_format] disk_formats`. Read when a copy
 * is written to the zone (the agent converts what it refuses) and kept for a while per endpoint: an
 * operator changes the list rarely, and a copy must not cost an extra request each time.
 */

/** How long a zone's list is kept. */
export const DISK_FORMATS_TTL_MS = 10 * 60 * 1000;

/** The disk_format enum of an image schema (null, which Glance lists for an unset field, left out). */
export function schemaDiskFormats(schema: unknown): string[] {
  const field = (schema as { properties?: { disk_format?: { enum?: unknown } } } | null)?.properties
    ?.disk_format;
  const values = Array.isArray(field?.enum) ? (field.enum as unknown[]) : [];
  return values.filter((v): v is string => typeof v === 'string' && v !== '');
}

/** The lists read, by image endpoint; a read that fails is not kept. */
export class DiskFormatCache {
  private readonly entries = new Map<string, { formats: Promise<string[]>; at: number }>();

  constructor(
    private readonly ttlMs = DISK_FORMATS_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  get(endpoint: string, read: () => Promise<unknown>): Promise<string[]> {
    const cached = this.entries.get(endpoint);
    if (cached && this.now() - cached.at < this.ttlMs) return cached.formats;
    const formats = read().then(schemaDiskFormats);
    this.entries.set(endpoint, { formats, at: this.now() });
    formats.catch(() => this.entries.delete(endpoint));
    return formats;
  }
}
