/**
 * Pages of a browse over a cloud that pages with opaque tokens (EC2 DescribeImages NextToken, GCE
 * images.list pageToken): a page of `limit` images from the cloud's own pages, and the marker of the page
 * after it, present exactly when there is one.
 *
 * The marker is made here and opaque to the conductor and the API: `~p1.` and, base64url, the token of the
 * native page that holds the next image (none: the first), how many of that page's images come before it,
 * and the native page size the walk asks for. A marker that is not one (no `~p1.`: a cloud image ID, as the
 * markers of the API before 1.19 were) still works: the walk goes from the first page past that image.
 */
import { GimmingError } from '../../common/errors';

const PREFIX = '~p1.';
/** The most native pages one browse page reads (a walk past a plain-ID marker reads the most). */
const MAX_FETCHES = 1000;

/** One of the cloud's pages: its items in order and the token of the page after it (none: the last). */
export interface NativePage<T> {
  items: T[];
  next?: string | undefined;
}

/** One page of a browse: at most `limit` items, and the marker of the next page (exactly when one exists). */
export interface BrowsePage<T> {
  items: T[];
  next?: string;
}

interface Position {
  /** The native page's token (undefined: the first page). */
  t?: string;
  /** Items of that page before the next one to return. */
  k: number;
  /** The native page size the walk asks for. */
  n: number;
}

export function encodeMarker(p: Position): string {
  return PREFIX + Buffer.from(JSON.stringify(p)).toString('base64url');
}

/** A browse page not read by its deadline. */
export function listingLate(cloudName: string): GimmingError {
  return new GimmingError(
    'gimming.cloud.timeout',
    504,
    `Listing images in cloud ${cloudName} did not finish in time.`,
    { retryable: true },
  );
}

/** A marker the cloud refused (an expired token), or one no page of this cloud made. */
export function badMarker(marker: string): GimmingError {
  return new GimmingError(
    'gimming.list.bad_marker',
    400,
    `marker ${marker.slice(0, 80)} is not a marker from a previous page of this cloud.`,
  );
}

/** The position a marker made here names; undefined when `marker` is not one (a plain image ID). */
export function decodeMarker(marker: string, maxPageSize: number): Position | undefined {
  if (!marker.startsWith(PREFIX)) return undefined;
  let p: unknown;
  try {
    p = JSON.parse(Buffer.from(marker.slice(PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    throw badMarker(marker);
  }
  const { t, k, n } = (p ?? {}) as Record<string, unknown>;
  if (
    typeof p !== 'object' ||
    (t !== undefined && (typeof t !== 'string' || t === '')) ||
    !Number.isInteger(k) ||
    (k as number) < 0 ||
    !Number.isInteger(n) ||
    (n as number) < 1 ||
    (n as number) > maxPageSize
  ) {
    throw badMarker(marker);
  }
  return { ...(t !== undefined ? { t: t } : {}), k: k as number, n: n as number };
}

export interface TokenPaging<T> {
  limit: number;
  /** A marker from a previous page (made here, or a plain image ID); empty or undefined: the first page. */
  marker?: string | undefined;
  /** The native page size a new walk asks for, and the most a marker may name. */
  pageSize: number;
  maxPageSize: number;
  /** Reads one native page (`token` undefined: the first) of at most `size` items. */
  fetch: (token: string | undefined, size: number) => Promise<NativePage<T>>;
  id: (item: T) => string;
  /** Which items a browse shows (the others are skipped, as a filter the cloud cannot apply). */
  keep?: (item: T) => boolean;
}

export async function pageByTokens<T>(opts: TokenPaging<T>): Promise<BrowsePage<T>> {
  const marker = opts.marker ?? '';
  const decoded = marker === '' ? undefined : decodeMarker(marker, opts.maxPageSize);
  // A plain ID: walk from the start past it.
  let after = marker !== '' && decoded === undefined ? marker : undefined;
  const size = decoded?.n ?? opts.pageSize;
  let token = decoded?.t;
  let skip = decoded?.k ?? 0;
  const items: T[] = [];
  const seen = new Set<string>();
  for (let fetches = 0; fetches < MAX_FETCHES; fetches += 1) {
    const page = await opts.fetch(token, size);
    if (skip > page.items.length) throw badMarker(marker);
    for (let i = skip; i < page.items.length; i += 1) {
      const item = page.items[i] as T;
      if (after !== undefined) {
        if (opts.id(item) === after) after = undefined;
        continue;
      }
      if (opts.keep && !opts.keep(item)) continue;
      if (items.length === opts.limit) {
        // One more exists: the next page starts at it.
        return { items, next: encodeMarker({ ...(token !== undefined ? { t: token } : {}), k: i, n: size }) };
      }
      items.push(item);
    }
    skip = 0;
    if (page.next === undefined || page.next === '' || seen.has(page.next)) {
      if (after !== undefined) throw badMarker(marker);
      return { items };
    }
    seen.add(page.next);
    token = page.next;
  }
  // Too many native pages for one browse page (a cloud that filters out nearly all it lists): the rest
  // is the next page's.
  if (after !== undefined) throw badMarker(marker);
  return { items, next: encodeMarker({ ...(token !== undefined ? { t: token } : {}), k: 0, n: size }) };
}
