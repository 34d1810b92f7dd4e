/**
 * An error as Google's APIs answer it: `{"error":{"code","message","errors":[{"domain","reason","message"}]}}`
 * with the HTTP status in `code` (Compute Engine v1 and the Cloud Storage JSON API share this shape).
 */
import type http from 'node:http';

export class GoogleApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason: string,
    readonly domain = 'global',
  ) {
    super(message);
  }

  body(): unknown {
    return {
      error: {
        code: this.status,
        message: this.message,
        errors: [{ message: this.message, domain: this.domain, reason: this.reason }],
      },
    };
  }
}

export const badRequest = (message: string, reason = 'invalid'): GoogleApiError =>
  new GoogleApiError(400, message, reason);
export const notFound = (message: string): GoogleApiError => new GoogleApiError(404, message, 'notFound');
export const conflict = (message: string): GoogleApiError =>
  new GoogleApiError(409, message, 'alreadyExists');

/** GCE's wording for a field value it refuses. */
export const invalidField = (field: string, value: unknown, why: string): GoogleApiError =>
  badRequest(`Invalid value for field '${field}': '${String(value)}'. ${why}`);

/** The usual reason of a status, for faults injected without one. */
export function reasonOf(status: number): string {
  return (
    {
      400: 'invalid',
      401: 'required',
      403: 'forbidden',
      404: 'notFound',
      409: 'alreadyExists',
      412: 'conditionNotMet',
      429: 'rateLimitExceeded',
      500: 'backendError',
      503: 'backendError',
    }[status] ?? 'backendError'
  );
}

export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === null ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
  res.end(text);
}

export function sendError(res: http.ServerResponse, e: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const err =
    e instanceof GoogleApiError ? e : new GoogleApiError(500, 'Internal error encountered.', 'backendError');
  const headers: Record<string, string> =
    err.status === 401 ? { 'www-authenticate': 'Bearer realm="https://accounts.google.com/"' } : {};
  sendJson(res, err.status, err.body(), headers);
}
