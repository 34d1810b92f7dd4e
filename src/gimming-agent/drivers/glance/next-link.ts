/**
 * The `next` link of a Glance listing, checked before it is followed.
 */
import { GimmingError } from '../../../common/errors';

/**
 * A `next` link of a listing, when it is one to follow: Glance gives a path relative to the endpoint
 * (`/v2/images?marker=...`), joined as Glance's own clients join it. Joined, it must still be a URL of
 * the endpoint (same scheme, host, port and path prefix, no credentials): `@169.254.169.254/...` or
 * `.evil.example/...` would otherwise move the host, and the agent's token with it.
 */
export function checkedNextPath(endpoint: string, next: unknown, cloudName: string): string {
  const refuse = () =>
    new GimmingError(
      'gimming.cloud.link_refused',
      502,
      `Cloud ${cloudName} answered a next link outside its image endpoint.`,
    );
  if (typeof next !== 'string' || !next.startsWith('/')) throw refuse();
  let joined: URL;
  try {
    joined = new URL(`${endpoint}${next}`);
  } catch {
    throw refuse();
  }
  const base = new URL(endpoint);
  const prefix = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
  if (
    joined.origin !== base.origin ||
    joined.username !== '' ||
    joined.password !== '' ||
    !joined.pathname.startsWith(prefix)
  ) {
    throw refuse();
  }
  return next;
}
