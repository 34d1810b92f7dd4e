/**
 * EC2, S3 and STS failures as GimmingErrors: a stable code and status, EC2's own message where it helps
 * the user (it names the parameter or the limit), never a key. The SDK's exceptions carry the service's
 * error code as `name` and the HTTP status in `$metadata`; a network failure has neither.
 */
import { GimmingError } from '../../../common/errors';

interface SdkError {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $fault?: 'client' | 'server';
  Code?: string;
}

const NOT_FOUND = new Set([
  'InvalidAMIID.NotFound',
  'InvalidAMIID.Unavailable',
  'InvalidAMIID.Malformed',
  'InvalidSnapshot.NotFound',
  'InvalidSnapshotID.Malformed',
  'NoSuchKey',
  'NotFound',
]);
const REFUSED_KEYS = new Set([
  'AuthFailure',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'InvalidAccessKeyId',
  'ExpiredToken',
  'ExpiredTokenException',
  'UnrecognizedClientException',
  'IncompleteSignature',
  'OptInRequired',
]);
const FORBIDDEN = new Set(['UnauthorizedOperation', 'AccessDenied', 'AccessDeniedException', 'Forbidden']);
const THROTTLED = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'SlowDown',
  'RequestThrottled',
]);
const CONFLICT = new Set([
  'InvalidAMIName.Duplicate',
  'IncorrectState',
  'IncorrectInstanceState',
  'InvalidSnapshot.InUse',
]);

/** Access key IDs (AKIA..., ASIA...) and anything after a secret-looking word are blanked from a message. */
export function scrub(message: string): string {
  return message
    .replace(/\b(A3T[A-Z0-9]|AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{12,}\b/g, '[key]')
    .replace(/((?:secret|token|signature|credential)[\w-]*\s*[=:]\s*)\S+/gi, '$1[hidden]')
    .slice(0, 1024);
}

/** The error code of an SDK failure, if the service answered. */
export function awsCode(err: unknown): string | undefined {
  const e = err as SdkError | null;
  return e?.$metadata ? (e.Code ?? e.name) : undefined;
}

export function isNotFound(err: unknown): boolean {
  const code = awsCode(err);
  return code !== undefined && (NOT_FOUND.has(code) || (err as SdkError).$metadata?.httpStatusCode === 404);
}

/**
 * One SDK failure as a GimmingError. `what` says what was being done ("Deleting snapshot snap-1"), for the
 * message; `imageId` names the image for a not-found answer.
 */
export function awsFailure(err: unknown, what: string, cloudName: string, imageId?: string): GimmingError {
  if (err instanceof GimmingError) return err;
  const e = (err ?? {}) as SdkError;
  const where = `${what} in cloud ${cloudName}`;
  if (e.name === 'AbortError') {
    return new GimmingError('gimming.task.cancelled', 409, 'The copy was cancelled.', { cause: err });
  }
  const status = e.$metadata?.httpStatusCode;
  const code = awsCode(err);
  if (code === undefined) {
    // No answer at all: a timeout, a refused connection, DNS.
    return new GimmingError('gimming.cloud.unreachable', 503, `${where} failed: the cloud did not answer.`, {
      retryable: true,
      cause: err,
    });
  }
  const detail = scrub(e.message ?? code);
  const opts = { cause: err, details: { aws_code: code } };
  if (code === 'NoSuchBucket') {
    return new GimmingError(
      'gimming.cloud.no_bucket',
      409,
      `${where}: the transfer bucket does not exist.`,
      opts,
    );
  }
  if (NOT_FOUND.has(code) || status === 404) {
    return new GimmingError(
      'gimming.remote_image.not_found',
      404,
      imageId ? `Image ${imageId} was not found in cloud ${cloudName}.` : `${where}: not found (${code}).`,
      opts,
    );
  }
  if (REFUSED_KEYS.has(code)) {
    return new GimmingError(
      'gimming.cloud.credentials_refused',
      403,
      `${where}: the cloud refused its credentials (${code}).`,
      opts,
    );
  }
  if (FORBIDDEN.has(code) || status === 403) {
    return new GimmingError(
      'gimming.cloud.forbidden',
      403,
      `${where} is not allowed (${code}): ${detail}`,
      opts,
    );
  }
  if (THROTTLED.has(code) || status === 429 || status === 503) {
    return new GimmingError('gimming.cloud.throttled', 503, `${where} was throttled (${code}).`, {
      ...opts,
      retryable: true,
    });
  }
  if (CONFLICT.has(code) || status === 409) {
    return new GimmingError('gimming.cloud.conflict', 409, `${where} conflicts (${code}): ${detail}`, opts);
  }
  if (/LimitExceeded$/.test(code)) {
    return new GimmingError(
      'gimming.cloud.quota_exceeded',
      413,
      `${where} exceeds a limit (${code}): ${detail}`,
      opts,
    );
  }
  if ((status !== undefined && status >= 500) || e.$fault === 'server') {
    return new GimmingError('gimming.cloud.error', 502, `${where} failed (${code}).`, {
      ...opts,
      retryable: true,
    });
  }
  return new GimmingError(
    'gimming.cloud.bad_request',
    400,
    `${where} was refused (${code}): ${detail}`,
    opts,
  );
}

/**
 * An import or export task EC2 ended as `deleted` (its way of failing): its StatusMessage reaches the
 * user word for word ("ClientError: Disk validation failed [Unsupported VMDK File Format]").
 */
export function taskFailed(
  kind: 'import' | 'export',
  cloudName: string,
  taskId: string,
  statusMessage: string,
): GimmingError {
  const text = statusMessage ? scrub(statusMessage) : 'no reason given';
  return new GimmingError(
    kind === 'import' ? 'gimming.cloud.import_refused' : 'gimming.cloud.export_refused',
    422,
    `Cloud ${cloudName} refused the ${kind} (task ${taskId}): ${text}`,
    { details: { aws_task_id: taskId } },
  );
}
