/**
 * Asking a Keystone (v3) for a token: the one request GIMinG's service user and the agents' sessions with
 * project clouds both make. Each caller decides what a refusal means to it.
 */
import type { LookupFunction } from 'node:net';
import type { CatalogEntry } from '../context';
import { requestJson } from '../http/request';
import type { ClientTls } from '../http/tls';
import { withoutVersionSuffix } from '../trim';

export interface IssuedToken {
  value: string;
  expiresAt: number;
  userId: string;
  projectId: string;
  roles: string[];
  catalog: CatalogEntry[];
  /** The size of Keystone's answer (mostly the catalog), for caches that hold tokens. */
  answerBytes: number;
}

/**
 * POST {authUrl}/v3/auth/tokens with `body` ({auth: ...}): the token when Keystone issued one, else the
 * status it answered. A network failure throws (the caller says whose identity service it was). `lookup`
 * pins the addresses connected to (a project cloud's checked ones).
 */
export async function requestToken(
  authUrl: string,
  body: Record<string, unknown>,
  timeoutMs: number,
  /** TLS of the request, and the checked addresses to connect to (no DNS rebinding). */
  opts: { tls?: ClientTls | undefined; lookup?: LookupFunction | undefined } = {},
): Promise<{ token: IssuedToken } | { status: number }> {
  const res = await requestJson({
    method: 'POST',
    url: `${withoutVersionSuffix(authUrl, 'v3')}/v3/auth/tokens`,
    timeoutMs,
    json: body,
    ...(opts.tls ? { tls: opts.tls } : {}),
    ...(opts.lookup ? { lookup: opts.lookup } : {}),
  });
  const value = res.headers['x-subject-token'];
  const token = (
    res.body as
      | {
          token?: {
            expires_at?: string;
            user?: { id: string };
            project?: { id: string };
            roles?: Array<{ name: string }>;
            catalog?: CatalogEntry[];
          };
        }
      | undefined
  )?.token;
  if (res.status !== 201 || typeof value !== 'string' || !token) return { status: res.status };
  return {
    token: {
      value,
      expiresAt: Date.parse(token.expires_at ?? '') || Date.now() + 3600_000,
      userId: token.user?.id ?? '',
      projectId: token.project?.id ?? '',
      roles: (token.roles ?? []).map((r) => r.name),
      catalog: Array.isArray(token.catalog) ? token.catalog : [],
      answerBytes: res.text.length,
    },
  };
}
