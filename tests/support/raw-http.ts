/**
 * HTTP/1.1 over a plain socket, for tests that send what fetch and node:http refuse to build: any
 * method, any bytes in the request line and the headers, bodies that lie about their length. One
 * request per connection (`Connection: close`); the answer is read until the server closes.
 */
import { connect } from 'node:net';

export interface RawRequest {
  method: string;
  /** The request target exactly as sent (path and query, nothing encoded for you). */
  target: string;
  headers?: Array<[string, string | Buffer]>;
  body?: Buffer | string;
  /** Send the body with Transfer-Encoding: chunked (in 16 KiB chunks) instead of a Content-Length. */
  chunked?: boolean;
  /** Send no Content-Length header even with a body (the headers may carry their own). */
  noContentLength?: boolean;
}

export interface RawAnswer {
  /** null when the server closed the connection (or the time ran out) without an answer. */
  status: number | null;
  /** Lower-cased names. */
  headers: Record<string, string>;
  text: string;
  /** A socket error seen while sending or reading (ECONNRESET, EPIPE), if any. */
  socketError?: string;
}

function encode(host: string, port: number, req: RawRequest): Buffer {
  const body = req.body === undefined ? undefined : Buffer.from(req.body);
  const head: Buffer[] = [
    Buffer.from(`${req.method} ${req.target} HTTP/1.1\r\nHost: ${host}:${port}\r\nConnection: close\r\n`),
  ];
  for (const [name, value] of req.headers ?? []) {
    head.push(Buffer.from(`${name}: `), Buffer.from(value), Buffer.from('\r\n'));
  }
  if (body !== undefined && req.chunked) head.push(Buffer.from('Transfer-Encoding: chunked\r\n'));
  else if (body !== undefined && !req.noContentLength)
    head.push(Buffer.from(`Content-Length: ${body.length}\r\n`));
  head.push(Buffer.from('\r\n'));
  if (body === undefined) return Buffer.concat(head);
  if (!req.chunked) return Buffer.concat([...head, body]);
  const chunks: Buffer[] = [];
  for (let at = 0; at < body.length; at += 16384) {
    const part = body.subarray(at, at + 16384);
    chunks.push(Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n'));
  }
  return Buffer.concat([...head, ...chunks, Buffer.from('0\r\n\r\n')]);
}

function parse(data: Buffer): Omit<RawAnswer, 'socketError'> {
  const end = data.indexOf('\r\n\r\n');
  const statusLine = /^HTTP\/1\.[01] (\d{3})/.exec(data.subarray(0, 32).toString('latin1'));
  if (end < 0 || !statusLine) return { status: null, headers: {}, text: data.toString('utf8') };
  const headers: Record<string, string> = {};
  for (const line of data.subarray(0, end).toString('latin1').split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = data.subarray(end + 4);
  if (headers['content-length'] !== undefined) body = body.subarray(0, Number(headers['content-length']));
  else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const parts: Buffer[] = [];
    let at = 0;
    for (;;) {
      const eol = body.indexOf('\r\n', at);
      const size = eol < 0 ? 0 : parseInt(body.subarray(at, eol).toString('latin1'), 16);
      if (!size) break;
      parts.push(body.subarray(eol + 2, eol + 2 + size));
      at = eol + 2 + size + 2;
    }
    body = Buffer.concat(parts);
  }
  return { status: Number(statusLine[1]), headers, text: body.toString('utf8') };
}

export function rawRequest(
  host: string,
  port: number,
  req: RawRequest,
  timeoutMs = 15000,
): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const received: Buffer[] = [];
    let socketError: string | undefined;
    const socket = connect(port, host);
    const timer = setTimeout(() => {
      socketError ??= 'timeout';
      socket.destroy();
    }, timeoutMs);
    socket.on('data', (d: Buffer) => received.push(d));
    // A server that answers before reading the whole body (413, 415) may reset the connection while
    // the rest is sent: what it answered was read before the reset.
    socket.on('error', (err: NodeJS.ErrnoException) => {
      socketError ??= err.code ?? err.message;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ ...parse(Buffer.concat(received)), ...(socketError ? { socketError } : {}) });
    });
    socket.write(encode(host, port, req));
  });
}
