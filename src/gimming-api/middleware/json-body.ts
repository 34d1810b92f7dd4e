/**
 * Reads a JSON request body, bounded by [api] max_request_body_size.
 */
import type Koa from 'koa';
import { GimmingError, badRequest } from '../../common/errors';

/** How long a JSON body may pause before the request is given up ([api] client_body_timeout). */
let bodyIdleMs = 20000;

export function setBodyTimeout(seconds: number): void {
  bodyIdleMs = seconds * 1000;
}

export async function readJsonBody(
  ctx: Koa.Context,
  limit: number,
  types: readonly string[] = ['application/json'],
): Promise<unknown> {
  const type = ctx.request.type;
  if (!types.includes(type)) {
    throw new GimmingError(
      'gimming.request.unsupported_media_type',
      415,
      `The request body must be ${types.join(' or ')}.`,
    );
  }
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > limit) {
    throw new GimmingError(
      'gimming.request.too_large',
      413,
      `The request body is larger than ${limit} bytes.`,
    );
  }
  const parts: Buffer[] = [];
  let size = 0;
  // A client that stops sending half-way would hold the connection for ever: give it a few seconds.
  const stalled = setTimeout(() => {
    ctx.req.destroy(new GimmingError('gimming.request.timeout', 408, 'The request body stopped arriving.'));
  }, bodyIdleMs);
  try {
    for await (const part of ctx.req) {
      stalled.refresh();
      size += (part as Buffer).length;
      if (size > limit) {
        throw new GimmingError(
          'gimming.request.too_large',
          413,
          `The request body is larger than ${limit} bytes.`,
        );
      }
      parts.push(part as Buffer);
    }
  } catch (err) {
    if (err instanceof GimmingError) throw err;
    throw new GimmingError('gimming.request.timeout', 408, 'The request body stopped arriving.');
  } finally {
    clearTimeout(stalled);
  }
  try {
    return JSON.parse(Buffer.concat(parts).toString('utf8')) as unknown;
  } catch {
    throw badRequest('gimming.request.malformed_json', 'The request body is not valid JSON.');
  }
}
