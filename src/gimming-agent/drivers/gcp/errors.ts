/**
 * Compute Engine and Cloud Storage failures as GimmingErrors: a stable code and status, GCE's own
 * message word for word where it tells the user something ("Invalid value for field
 * 'resource.name'..."), never a key or a token. With compute 6.x and google-gax 5.0 an answer arrives as
 * a GaxiosError whose `code` is the HTTP status and whose `message` is the JSON body; a network failure
 * has a string code (ECONNREFUSED) or none.
 */
import { GimmingError } from '../../../common/errors';

interface SdkError {
  name?: string;
  code?: number | string;
  status?: number;
  message?: string;
  response?: { status?: number };
}

/** Private keys, bearer tokens and JWTs are blanked from a message. */
export function scrub(message: string): string {
  return message
    .replace(/-----BEGIN[^-]*-----[\s\S]*?(-----END[^-]*-----|$)/g, '[key]')
    .replace(/\bya29\.[\w.-]+/g, '[token]')
    .replace(/\beyJ[\w-]+\.[\w-]+\.[\w-]*/g, '[token]')
    .replace(/((?:secret|token|assertion|private_key)[\w-]*"?\s*[=:]\s*"?)[^\s",}]+/gi, '$1[hidden]')
    .slice(0, 1024);
}

/** The HTTP status of a failure the service answered, if it did. */
export function httpStatus(err: unknown): number | undefined {
  const e = err as SdkError | null;
  if (typeof e?.code === 'number' && e.code >= 100) return e.code;
  if (typeof e?.status === 'number') return e.status;
  if (typeof e?.response?.status === 'number') return e.response.status;
  return undefined;
}

/** GCE's own words in a failure: the body's error.message (or the first of error.errors), else the text. */
export function gceMessage(err: unknown): { message: string; reason?: string } {
  const raw = (err as SdkError | null)?.message ?? '';
  try {
    const body = JSON.parse(raw) as {
      error?: { message?: string; errors?: { message?: string; reason?: string }[] };
    };
    const first = body.error?.errors?.[0];
    const message = body.error?.message ?? first?.message;
    if (message) return { message: scrub(message), ...(first?.reason ? { reason: first.reason } : {}) };
  } catch {
    // Not JSON: the message as it is.
  }
  return { message: scrub(raw) };
}

export function isNotFound(err: unknown): boolean {
  return httpStatus(err) === 404;
}

/**
 * One SDK failure as a GimmingError. `what` says what was being done ("Deleting image x"), for the
 * message; `imageId` names the image for a not-found answer.
 */
export function gcpFailure(err: unknown, what: string, cloudName: string, imageId?: string): GimmingError {
  if (err instanceof GimmingError) return err;
  const e = (err ?? {}) as SdkError;
  const where = `${what} in cloud ${cloudName}`;
  if (e.name === 'AbortError') {
    return new GimmingError('gimming.task.cancelled', 409, 'The copy was cancelled.', { cause: err });
  }
  const status = httpStatus(err);
  if (status === undefined) {
    return new GimmingError('gimming.cloud.unreachable', 503, `${where} failed: the cloud did not answer.`, {
      retryable: true,
      cause: err,
    });
  }
  const { message, reason } = gceMessage(err);
  const opts = { cause: err, details: { gcp_status: status, ...(reason ? { gcp_reason: reason } : {}) } };
  if (status === 404) {
    return new GimmingError(
      'gimming.remote_image.not_found',
      404,
      imageId ? `Image ${imageId} was not found in cloud ${cloudName}.` : `${where}: not found: ${message}`,
      opts,
    );
  }
  if (status === 401) {
    return new GimmingError(
      'gimming.cloud.credentials_refused',
      403,
      `${where}: the cloud refused its credentials: ${message}`,
      opts,
    );
  }
  if (status === 403) {
    return new GimmingError('gimming.cloud.forbidden', 403, `${where} is not allowed: ${message}`, opts);
  }
  if (status === 429) {
    return new GimmingError('gimming.cloud.throttled', 503, `${where} was throttled: ${message}`, {
      ...opts,
      retryable: true,
    });
  }
  if (status === 409 || status === 412) {
    return new GimmingError('gimming.cloud.conflict', 409, `${where} conflicts: ${message}`, opts);
  }
  if (status >= 500) {
    return new GimmingError('gimming.cloud.error', 502, `${where} failed: ${message}`, {
      ...opts,
      retryable: true,
    });
  }
  return new GimmingError('gimming.cloud.bad_request', 400, `${where} was refused: ${message}`, opts);
}

/** A global operation GCE ended with an error: its messages reach the user word for word. */
export function operationFailed(
  cloudName: string,
  operation: string,
  errors: readonly { code?: string | null; message?: string | null }[],
): GimmingError {
  const text = errors
    .map((e) => scrub(e.message ?? e.code ?? ''))
    .filter(Boolean)
    .join('; ');
  return new GimmingError(
    'gimming.cloud.import_refused',
    422,
    `Cloud ${cloudName} refused the image (operation ${operation}): ${text || 'no reason given'}`,
    { details: { gcp_operation: operation, ...(errors[0]?.code ? { gcp_code: errors[0].code } : {}) } },
  );
}
