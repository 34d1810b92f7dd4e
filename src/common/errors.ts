/**
 * The one error family of GIMinG.
 *
 * Every expected failure is a GimmingError with a stable code (`gimming.<resource>.<condition>`), the HTTP
 * status it maps to, a message written for the caller (never internals: those go to the log, as the
 * `cause`) and whether the operation may be retried. Errors cross RPC and gRPC as data (`toWire`/`fromWire`) and are rebuilt on the
 * other side, so the API can answer with the status and message the conductor or agent chose.
 */

export interface WireError {
  code: string;
  status: number;
  message: string;
  retryable: boolean;
  details?: Record<string, unknown>;
}

export class GimmingError extends Error {
  readonly code: string;
  readonly status: number;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: string,
    status: number,
    message: string,
    opts: { retryable?: boolean; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'GimmingError';
    this.code = code;
    this.status = status;
    this.retryable = opts.retryable ?? false;
    this.details = opts.details;
  }

  toWire(): WireError {
    const wire: WireError = {
      code: this.code,
      status: this.status,
      message: this.message,
      retryable: this.retryable,
    };
    if (this.details) wire.details = this.details;
    return wire;
  }

  static fromWire(wire: WireError): GimmingError {
    return new GimmingError(wire.code, wire.status, wire.message, {
      retryable: wire.retryable,
      ...(wire.details ? { details: wire.details } : {}),
    });
  }
}

export const badRequest = (code: string, message: string, details?: Record<string, unknown>) =>
  new GimmingError(code, 400, message, details ? { details } : {});
export const unauthorized = (message: string) => new GimmingError('gimming.auth.unauthorized', 401, message);
export const forbidden = (code: string, message: string) => new GimmingError(code, 403, message);
export const notFound = (code: string, message: string) => new GimmingError(code, 404, message);
export const conflict = (code: string, message: string, details?: Record<string, unknown>) =>
  new GimmingError(code, 409, message, details ? { details } : {});
export const unavailable = (code: string, message: string, cause?: unknown) =>
  new GimmingError(code, 503, message, { retryable: true, cause });
export const internal = (code: string, message: string, cause?: unknown) =>
  new GimmingError(code, 500, message, { cause });

/** Any thrown value as a GimmingError; unknown errors become an opaque 500. */
export function asGimmingError(err: unknown): GimmingError {
  if (err instanceof GimmingError) return err;
  return internal('gimming.internal', 'An unexpected error occurred.', err);
}

/** A message safe to log for any thrown value. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
