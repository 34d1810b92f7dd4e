/**
 * REST microversion negotiation, as openstacksdk and the nova and ironic clients do it: the client knows
 * a range of versions of its own, the server announces its range in its version document (`min_version`,
 * `version`), and every request carries `OpenStack-API-Version: image-manager X` for the highest version
 * both know, or the one the user asked for, refused before any call when either side does not know it.
 */
import { GimmingClientError } from './errors';

/** The header, and the service type it names (as in the Keystone catalog). */
export const API_VERSION_HEADER = 'OpenStack-API-Version';
export const API_SERVICE_TYPE = 'image-manager';

/**
 * The versions this client knows, oldest first: the client's own, never read from the server's code, so
 * that an old client with a new server (and the reverse) negotiate what both know.
 *   1.0: the API before microversions.
 *   1.1: browsing a cloud pages with `marker` and `next` (CloudsApi.images follows them).
 *   1.2: image families, channels and lifecycle (FamiliesApi).
 *   1.3: a sync's `on_conflict` (ImagesApi.sync), refuse by default.
 *   1.4: `max_bandwidth` on sync, image create and cloud create.
 *   1.5: a sync's `incremental_from`.
 *   1.6: resumable uploads (ImagesApi.upload of a file resumes a cut upload) and Gimming-Content-Sha256.
 *   1.7: `on_conflict` on image create and adopt (ImagesApi.create, adopt), refuse by default.
 *   1.8: a cloud's capabilities of native and incremental copies (native_copy_limit,
 *        native_copy_unavailable, incremental_conversion; `cloud show` prints them).
 */
export const CLIENT_MIN_API_VERSION = '1.0';
export const CLIENT_MAX_API_VERSION = '1.8';

/** Whether `version` (a negotiated one; null: no microversions) is `min` or later. */
export function versionAtLeast(version: string | null, min: string): boolean {
  const [a, b] = [parse(version ?? ''), parse(min)];
  return a !== undefined && b !== undefined && compare(a, b) >= 0;
}

/** The range a server announces; null for a server before microversions (no `min_version`). */
export interface ServerVersions {
  min: string;
  max: string;
}

type Version = [number, number];

function parse(text: string): Version | undefined {
  const m = /^\s*(0|[1-9]\d*)\.(0|[1-9]\d*)\s*$/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1];
}

const show = (v: Version) => `${v[0]}.${v[1]}`;

/** The server's range from its version document (`GET /v1/`'s `version`, or an entry of `GET /`). */
export function serverVersions(doc: unknown): ServerVersions | null {
  const v = (doc as { version?: { min_version?: unknown; version?: unknown } } | undefined)?.version;
  if (typeof v?.min_version !== 'string' || typeof v.version !== 'string') return null;
  if (!parse(v.min_version) || !parse(v.version)) return null;
  return { min: v.min_version, max: v.version };
}

function badVersion(message: string): GimmingClientError {
  return new GimmingClientError(message, 0, 'client.api_version');
}

/**
 * The version to send: `asked` (a `1.N`, or `latest` for the highest both know) or, when nothing was
 * asked, the highest version both know. Null: send no header (a server before microversions, asked for
 * nothing or for 1.0, which is what it serves).
 */
export function chooseApiVersion(
  server: ServerVersions | null,
  asked?: string,
  client: ServerVersions = { min: CLIENT_MIN_API_VERSION, max: CLIENT_MAX_API_VERSION },
): string | null {
  const cmin = parse(client.min) as Version;
  const cmax = parse(client.max) as Version;
  const latest = asked === undefined || asked.trim() === '' || asked.trim().toLowerCase() === 'latest';
  let want: Version | undefined;
  if (!latest) {
    want = parse(asked);
    if (!want) {
      throw badVersion(
        `API version "${asked}" is not a version: give <major>.<minor> (such as ${CLIENT_MAX_API_VERSION}) ` +
          'or latest (--os-image-manager-api-version, OS_IMAGE_MANAGER_API_VERSION).',
      );
    }
    if (compare(want, cmin) < 0 || compare(want, cmax) > 0) {
      throw badVersion(
        `API version ${show(want)} is not known to this client, which knows ${client.min} to ` +
          `${client.max}.`,
      );
    }
  }
  if (server === null) {
    if (!want || compare(want, [1, 0]) === 0) return null;
    throw badVersion(
      `API version ${show(want)} was asked for, but the server serves no microversions (its version ` +
        'document has no min_version): only 1.0.',
    );
  }
  const smin = parse(server.min) as Version;
  const smax = parse(server.max) as Version;
  if (want) {
    if (compare(want, smin) < 0 || compare(want, smax) > 0) {
      throw badVersion(
        `API version ${show(want)} is not served by the server, which serves ${server.min} to ` +
          `${server.max}.`,
      );
    }
    return show(want);
  }
  const highest = compare(cmax, smax) <= 0 ? cmax : smax;
  const lowest = compare(cmin, smin) >= 0 ? cmin : smin;
  if (compare(lowest, highest) > 0) {
    throw badVersion(
      `The server serves API versions ${server.min} to ${server.max} and this client knows ` +
        `${client.min} to ${client.max}: none in common; upgrade the ${
          compare(cmax, smin) < 0 ? 'client' : 'server'
        }.`,
    );
  }
  return show(highest);
}
