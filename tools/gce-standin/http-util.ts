/** Small helpers of both fronts: reading a bounded JSON body. */
import type http from 'node:http';
import { badRequest } from './errors';

/** The whole body of a small request (JSON, forms): at most `limit` bytes. */
export async function readSmallBody(req: http.IncomingMessage, limit = 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > limit) throw badRequest('Request body too large.', 'badRequest');
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

export async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const body = await readSmallBody(req);
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw badRequest('Invalid JSON payload received.', 'parseError');
  }
}
