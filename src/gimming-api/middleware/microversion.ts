/**
 * The microversion a request asks for, read from `OpenStack-API-Version: image-manager 1.N` with the
 * semantics of nova, ironic and placement (microversion-parse): no header (or none for our service type)
 * is the minimum version, `latest` the maximum, a malformed value 400, a version outside the range 406.
 * Every answer under /v1 echoes the version served and `Vary: OpenStack-API-Version`.
 */
import type Koa from 'koa';
import { GimmingError, badRequest } from '../../common/errors';
import { API_SERVICE_TYPE, MAX_API_VERSION, MIN_API_VERSION } from '../api-versions';

export const VERSION_HEADER = 'OpenStack-API-Version';

/** A microversion as numbers, comparable. */
export class ApiVersion {
  constructor(
    readonly major: number,
    readonly minor: number,
  ) {}

  static parse(text: string): ApiVersion {
    const m = /^(0|[1-9]\d*)\.(0|[1-9]\d*)$/.exec(text.trim());
    if (!m) {
      throw new GimmingError(
        'gimming.request.invalid_version',
        400,
        `Invalid ${VERSION_HEADER} value "${text}": it must be "${API_SERVICE_TYPE} <major>.<minor>" or ` +
          `"${API_SERVICE_TYPE} latest".`,
      );
    }
    return new ApiVersion(Number(m[1]), Number(m[2]));
  }

  compare(other: ApiVersion): number {
    return this.major - other.major || this.minor - other.minor;
  }

  toString(): string {
    return `${this.major}.${this.minor}`;
  }
}

const MIN = ApiVersion.parse(MIN_API_VERSION);
const MAX = ApiVersion.parse(MAX_API_VERSION);

export interface VersionState {
  apiVersion?: ApiVersion;
}

/**
 * The value for our service type in the header(s): entries are `<service type> <version>`, separated by
 * commas, possibly in several headers (`compute 2.1, image-manager 1.0`). Undefined when none is ours.
 */
export function requestedVersion(header: string | string[] | undefined): string | undefined {
  const values = header === undefined ? [] : Array.isArray(header) ? header : [header];
  let found: string | undefined;
  for (const entry of values.flatMap((v) => v.split(','))) {
    const [service, ...rest] = entry.trim().split(/\s+/);
    if (service?.toLowerCase() !== API_SERVICE_TYPE) continue;
    if (found !== undefined) {
      throw new GimmingError(
        'gimming.request.invalid_version',
        400,
        `${VERSION_HEADER} names ${API_SERVICE_TYPE} more than once.`,
      );
    }
    found = rest.join(' ');
  }
  return found;
}

/** The version a request is served at; throws the 400 or 406 the request deserves. */
export function negotiate(header: string | string[] | undefined): ApiVersion {
  const asked = requestedVersion(header);
  if (asked === undefined) return MIN;
  if (asked.trim().toLowerCase() === 'latest') return MAX;
  const version = ApiVersion.parse(asked);
  if (version.compare(MIN) < 0 || version.compare(MAX) > 0) {
    throw new GimmingError(
      'gimming.request.version_not_supported',
      406,
      `Version ${version.toString()} is not supported by the API. Minimum is ${MIN_API_VERSION} and ` +
        `maximum is ${MAX_API_VERSION}.`,
      { details: { min_version: MIN_API_VERSION, max_version: MAX_API_VERSION } },
    );
  }
  return version;
}

export function microversion<S = VersionState>(): Koa.Middleware<S> {
  return async (ctx, next) => {
    ctx.vary(VERSION_HEADER);
    const version = negotiate(ctx.req.headers[VERSION_HEADER.toLowerCase()]);
    (ctx.state as VersionState).apiVersion = version;
    ctx.set(VERSION_HEADER, `${API_SERVICE_TYPE} ${version.toString()}`);
    await next();
  };
}

/** Whether the request was made at `version` or later: how a controller gates what a microversion adds. */
export function atLeast(ctx: { state: VersionState }, version: string): boolean {
  return (ctx.state.apiVersion ?? MIN).compare(ApiVersion.parse(version)) >= 0;
}

/**
 * Refuses a body field that a later microversion added, when the request was made below it (400, as an
 * unknown field was before that version): `field` needs `version`.
 */
export function requireVersionFor(ctx: { state: VersionState }, field: string, version: string): void {
  if (atLeast(ctx, version)) return;
  throw badRequest(
    'gimming.request.invalid',
    `${field} needs API microversion ${version} (OpenStack-API-Version: ${API_SERVICE_TYPE} ${version}).`,
  );
}
