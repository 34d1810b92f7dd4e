/**
 * The key manager (Barbican) secrets project clouds keep their credentials in. A cloud records the
 * secret's href; whoever needs the credentials reads the secret with the token of the user the work is for
 * (or of their trust), so GIMinG itself holds no key to it.
 *
 * An href is only ever sent a token when it lies under a key-manager endpoint of that token's own service
 * catalog: a cloud registered with a URL elsewhere cannot make GIMinG hand tokens to a stranger.
 */
import type { RequestContext } from '../context';
import { GimmingError, unavailable } from '../errors';
import { requestJson } from '../http/request';
import { type ClientTls, tlsDetail } from '../http/tls';
import { trimTrailingSlashes, withoutVersionSuffix } from '../trim';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HREF_TAIL_RE = /\/v1\/secrets\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

export interface KeyManagerOptions {
  interface: string;
  /** Empty: any region. */
  regionName: string;
  /** TLS to the key manager ([key_manager] cafile, certfile, keyfile, insecure). */
  tls?: ClientTls;
}

function endpoints(ctx: RequestContext, opts: KeyManagerOptions): string[] {
  const service = ctx.serviceCatalog.find((entry) => entry.type === 'key-manager');
  return (service?.endpoints ?? [])
    .filter((e) => e.interface === opts.interface)
    .filter((e) => !opts.regionName || e.region === opts.regionName || e.region_id === opts.regionName)
    .map((e) => withoutVersionSuffix(e.url, 'v1'));
}

function badRef(why: string): GimmingError {
  return new GimmingError('gimming.cloud.bad_credentials_ref', 400, `Invalid credentials_ref: ${why}.`);
}

/**
 * The href of a secret given by UUID or href, checked against the caller's catalog: what a cloud records.
 */
export function secretHref(ctx: RequestContext, ref: string, opts: KeyManagerOptions): string {
  const bases = endpoints(ctx, opts);
  if (bases.length === 0) {
    throw new GimmingError(
      'gimming.cloud.no_key_manager',
      409,
      `The service catalog has no ${opts.interface} key-manager endpoint: credentials_ref cannot be used.`,
    );
  }
  if (UUID_RE.test(ref)) return `${bases[0]}/v1/secrets/${ref.toLowerCase()}`;
  const tail = HREF_TAIL_RE.exec(ref);
  const base = tail ? trimTrailingSlashes(ref.slice(0, tail.index)) : undefined;
  if (!tail || !base || !bases.includes(base)) {
    throw badRef('expected a secret UUID or the href of a secret in the key manager of this deployment');
  }
  return `${base}/v1/secrets/${(tail[1] as string).toLowerCase()}`;
}

function checkedHref(ctx: RequestContext, href: string, opts: KeyManagerOptions): string {
  const tail = HREF_TAIL_RE.exec(href);
  if (!tail || !endpoints(ctx, opts).includes(href.slice(0, tail.index))) {
    throw new GimmingError(
      'gimming.cloud.credentials_unavailable',
      409,
      "The cloud's credentials_ref is not in a key manager of the service catalog.",
    );
  }
  return href;
}

async function keyManagerGet(
  ctx: RequestContext,
  url: string,
  accept: string,
  timeoutMs: number,
  tls: ClientTls | undefined,
): Promise<{ status: number; body: unknown; text: string }> {
  if (!ctx.authToken) {
    throw new GimmingError('gimming.agent.no_credentials', 401, 'The request carries no token.');
  }
  try {
    const res = await requestJson({
      method: 'GET',
      url,
      headers: { 'X-Auth-Token': ctx.authToken, Accept: accept },
      timeoutMs,
      ...(tls ? { tls } : {}),
    });
    return { status: res.status, body: res.body, text: res.text };
  } catch (err) {
    throw unavailable(
      'gimming.cloud.key_manager_unreachable',
      `The key manager is unreachable${tlsDetail(err)}.`,
      err,
    );
  }
}

/** Checks, at registration, that the caller can see the secret (its metadata, never its payload). */
export async function checkSecret(
  ctx: RequestContext,
  href: string,
  opts: KeyManagerOptions,
  timeoutMs: number,
): Promise<void> {
  const res = await keyManagerGet(ctx, checkedHref(ctx, href, opts), 'application/json', timeoutMs, opts.tls);
  if (res.status === 404 || res.status === 403) {
    throw badRef('the key manager has no such secret this project can read');
  }
  if (res.status !== 200) {
    throw unavailable('gimming.cloud.key_manager_error', `The key manager answered HTTP ${res.status}.`);
  }
}

/** The secret's payload, read with the context's token. */
export async function readSecretPayload(
  ctx: RequestContext,
  href: string,
  opts: KeyManagerOptions,
  timeoutMs: number,
): Promise<string> {
  const res = await keyManagerGet(
    ctx,
    `${checkedHref(ctx, href, opts)}/payload`,
    'text/plain',
    timeoutMs,
    opts.tls,
  );
  if (res.status === 200) return res.text;
  if (res.status === 404 || res.status === 403 || res.status === 401) {
    throw new GimmingError(
      'gimming.cloud.credentials_unavailable',
      409,
      `The key manager refused the cloud's credentials secret (HTTP ${res.status}): it was deleted, or ` +
        'the user lacks a role that may read it (Barbican: creator, or admin).',
    );
  }
  throw unavailable('gimming.cloud.key_manager_error', `The key manager answered HTTP ${res.status}.`);
}
