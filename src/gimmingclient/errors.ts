/**
 * What the SDK throws: the server's error (status, stable code, message, request id), or a failure to
 * reach it or to authenticate.
 */
export class GimmingClientError extends Error {
  constructor(
    message: string,
    /** HTTP status; 0 when no answer came. */
    readonly status: number,
    /** GIMinG's stable error code (`gimming.image.not_found`), or `client.*` for the SDK's own. */
    readonly code: string,
    /** The `x-openstack-request-id` of the failed call, to give an operator. */
    readonly requestId?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'GimmingClientError';
  }
}

export class AuthError extends GimmingClientError {
  constructor(message: string, status = 401, requestId?: string) {
    super(message, status, 'client.auth', requestId);
    this.name = 'AuthError';
  }
}

/** Builds the error of a GIMinG answer (`{"error": {...}}`), or of any other non-2xx answer. */
export function errorFromResponse(status: number, body: unknown, text: string, requestId?: string) {
  const error = (body as { error?: Record<string, unknown> } | undefined)?.error;
  if (error && typeof error.message === 'string') {
    return new GimmingClientError(
      error.message,
      status,
      typeof error.code === 'string' ? error.code : 'client.http_error',
      typeof error.request_id === 'string' ? error.request_id : requestId,
      (error.details as Record<string, unknown> | undefined) ?? undefined,
    );
  }
  const short = text.replace(/\s+/g, ' ').trim().slice(0, 200);
  return new GimmingClientError(
    `HTTP ${status}${short ? `: ${short}` : ''}`,
    status,
    'client.http_error',
    requestId,
  );
}
