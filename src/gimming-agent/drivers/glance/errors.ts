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

/**
 * Glance's refusal to move an image out of a deleted state (InvalidImageStatusTransition). Its domain
 * lets nothing out of `deleted`, and `pending_delete` (delayed_delete) only to `deleted` or back to
 * `active`; a delete sets one of the two, so a delete of an image already in them answers with this.
 */
const DELETED_TRANSITION =
  /\bstatus transition from (?:deleted|pending_delete) to (?:deleted|pending_delete) is not allowed\b/i;
/** A message that says so in words (a proxy or another image service in front of the cloud). */
const ALREADY_DELETED = /\bimage\b.{1,200}\b(?:is|was|has) already (?:been )?deleted\b/i;

/**
 * Whether a refused delete says the image is already deleted. Glance (v2 images delete) answers 400 with
 * the transition message for an image whose earlier delete stopped half-way: it answered 500, the status
 * stayed `deleted`, and every retry is refused though the image is gone. Only 400 and 409 count, and only
 * with that message: any other refusal (a protected image, "from deactivated to pending_delete", an
 * image in use) is still an error.
 */
export function alreadyDeleted(res: { status: number; text: string }): boolean {
  if (res.status !== 400 && res.status !== 409) return false;
  const message = glanceMessage(res.text);
  return DELETED_TRANSITION.test(message) || ALREADY_DELETED.test(message);
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

/** webob's status line ("400 Bad Request"), which Glance's text and HTML bodies start with. */
const STATUS_LINE = /^\d{3}(?: [A-Za-z][A-Za-z-]*)+$/;

/** The text of a body that may hold HTML (`<br />`, webob's page): tags become line breaks. */
function plainText(text: string): string {
  // `[^<>]` rather than `[^>]`: a run of `<` with no `>` would otherwise be rescanned from each `<`.
  const lines = text
    .slice(0, MESSAGE_SCAN)
    .replace(/<[^<>]*>/g, '\n')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const kept = lines.filter((line) => !STATUS_LINE.test(line));
  return (kept.length > 0 ? kept : lines).join(' ');
}

/** `message` of Glance's flat JSON ({"message", "code", "title"}) or of a nested {"error": {...}}. */
function jsonMessage(parsed: unknown): string | undefined {
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const flat = parsed as Record<string, unknown>;
  if (typeof flat.message === 'string') return flat.message;
  for (const inner of Object.values(flat)) {
    if (inner && typeof inner === 'object' && typeof (inner as { message?: unknown }).message === 'string') {
      return (inner as { message: string }).message;
    }
  }
  return undefined;
}

/**
 * The human message of a Glance error body, shortened: Glance's flat JSON, a nested JSON error, or
 * webob's text or HTML page; `<br />` and webob's status line are left out. The body comes from the
 * cloud (up to 16 MiB): every step is linear, and only its start is looked at for text.
 */
export function glanceMessage(text: string): string {
  let message: string | undefined;
  try {
    message = jsonMessage(JSON.parse(text) as unknown);
  } catch {
    message = undefined;
  }
  message = plainText(message ?? text)
    .replace(/\s+/g, ' ')
    .trim();
  return message.length > 300 ? `${message.slice(0, 300)}...` : message || 'no reason given';
}
