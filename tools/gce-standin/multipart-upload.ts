/**
 * `uploadType=multipart` of the Cloud Storage upload API: a `multipart/related` body whose first part is
 * the object's JSON metadata and whose second part is its bytes. The metadata part is read whole (it is
 * small); the bytes stream to a file, a tail of the delimiter's length held back until the closing
 * delimiter is seen.
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import type http from 'node:http';
import { dirname } from 'node:path';
import { badRequest } from './errors';

export interface MultipartUpload {
  metadata: Record<string, unknown>;
  contentType: string;
}

/** Reads the request into `file`; answers the metadata part and the media part's content type. */
export async function readMultipart(req: http.IncomingMessage, file: string): Promise<MultipartUpload> {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(req.headers['content-type'] ?? '');
  const boundary = m?.[1] ?? m?.[2];
  if (!/^multipart\/related/i.test(req.headers['content-type'] ?? '') || !boundary)
    throw badRequest('Invalid multipart request: no boundary.', 'invalid');
  const delim = Buffer.from(`\r\n--${boundary}`);
  mkdirSync(dirname(file), { recursive: true });
  const out = createWriteStream(file);
  const written = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    out.on('error', reject);
  });
  // The body is read as if it began with CRLF, so that every delimiter is `\r\n--boundary`.
  let buf: Buffer = Buffer.from('\r\n');
  let part = 0; // 0: before the first delimiter, 1: metadata part, 2: media part, 3: after the close
  let metadataText = '';
  let mediaType = 'application/octet-stream';
  let headersDone = false;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      if (part === 2 && headersDone) {
        const at = buf.indexOf(delim);
        if (at < 0) {
          const keep = Math.min(buf.length, delim.length);
          if (!out.write(buf.subarray(0, buf.length - keep)))
            await new Promise<void>((r) => out.once('drain', () => r()));
          buf = Buffer.from(buf.subarray(buf.length - keep));
          break;
        }
        out.write(buf.subarray(0, at));
        buf = Buffer.from(buf.subarray(at + delim.length));
        part = 3;
        continue;
      }
      if (part === 3) break;
      if (!headersDone && part > 0) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) break;
        const head = buf.subarray(0, end).toString('utf8');
        const ct = /content-type:\s*([^\r\n]+)/i.exec(head)?.[1]?.trim();
        if (part === 2 && ct) mediaType = ct;
        buf = Buffer.from(buf.subarray(end + 4));
        headersDone = true;
        continue;
      }
      const at = buf.indexOf(delim);
      if (at < 0) break;
      if (part === 1) metadataText = buf.subarray(0, at).toString('utf8');
      buf = Buffer.from(buf.subarray(at + delim.length));
      part += 1;
      headersDone = false;
      if (buf.length > 1024 * 1024)
        throw badRequest('Invalid multipart request: metadata too large.', 'invalid');
    }
  }
  out.end();
  await written;
  if (part !== 3 || !buf.subarray(0, 2).equals(Buffer.from('--')))
    throw badRequest('Invalid multipart request: no closing delimiter.', 'invalid');
  let metadata: Record<string, unknown>;
  try {
    metadata = JSON.parse(metadataText || '{}') as Record<string, unknown>;
  } catch {
    throw badRequest('Invalid multipart request: the metadata part is not JSON.', 'parseError');
  }
  return {
    metadata,
    contentType: typeof metadata.contentType === 'string' ? metadata.contentType : mediaType,
  };
}
