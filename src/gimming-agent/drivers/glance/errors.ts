/**
 * Glance's error answers turned into GimmingErrors: never carrying Glance's internals to the user.
 */
import { GimmingError } from '../../../common/errors';
import { tlsDetail } from '../../../common/http/tls';

/** A Glance error answer: its status and body. `what` says what was being done, `imageId` which image. */
export function glanceFailure(
  cloudName: string,
  res: { status: number; text: string },
  what: string,
  imageId?: string,
): GimmingError {
  const where = `${what} in cloud ${cloudName}`;
  const message = glanceMessage(res.text);
  switch (res.status) {
    case 400:
      return new GimmingError('gimming.cloud.bad_request', 400, `${where} was refused: ${message}`);
    case 401:
      return new GimmingError(
        'gimming.cloud.unauthorized',
        401,
        `${where}: the cloud did not accept the token.`,
      );
    case 403:
      return new GimmingError('gimming.cloud.forbidden', 403, `${where} is not allowed: ${message}`);
    case 404:
      return new GimmingError(
        'gimming.remote_image.not_found',
        404,
        `Image ${imageId ?? ''} was not found in cloud ${cloudName}.`.replace('  ', ' '),
      );
    case 409:
      return new GimmingError('gimming.cloud.conflict', 409, `${where} conflicts: ${message}`);
    case 413:
      return new GimmingError('gimming.cloud.quota_exceeded', 413, `${where} exceeds a quota: ${message}`);
    default:
      return new GimmingError('gimming.cloud.error', 502, `${where} failed with HTTP ${res.status}.`, {
        retryable: res.status >= 500,
      });
  }
}

/** The cloud could not be reached (or went away mid-request): worth a retry. */
export function unreachable(cloudName: string, err: unknown): GimmingError {
  return new GimmingError(
    'gimming.cloud.unreachable',
    503,
    `Cloud ${cloudName} is unreachable${tlsDetail(err)}.`,
    {
      retryable: true,
      cause: err,
    },
  );
}

/** How much of an error body is read for its message: the message is cut to 300 characters anyway. */
const MESSAGE_SCAN = 64 * 1024;

/**
 * The human message of a Glance error body (JSON or Glance's HTML-ish text), shortened. The body comes
 * from the cloud (up to 16 MiB): every step is linear, and the text path looks at its start only.
 */
export function glanceMessage(text: string): string {
  let message: string | undefined;
  try {
    const parsed = JSON.parse(text) as unknown;
    const inner =
      parsed !== null && typeof parsed === 'object'
        ? (Object.values(parsed)[0] as Record<string, unknown> | null | undefined)
        : undefined;
    if (inner && typeof inner === 'object' && typeof inner.message === 'string') message = inner.message;
  } catch {
    // `[^<>]` rather than `[^>]`: a run of `<` with no `>` would otherwise be rescanned from each `<`.
    message = text.slice(0, MESSAGE_SCAN).replace(/<[^<>]*>/g, ' ');
  }
  message = (message ?? text).slice(0, MESSAGE_SCAN).replace(/\s+/g, ' ').trim();
  return message.length > 300 ? `${message.slice(0, 300)}...` : message || 'no reason given';
}
