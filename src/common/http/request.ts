/**
 * Small HTTP helpers on node:http, used for JSON control calls and for streaming image data.
 *
 * Image bytes go through `http.request` with `write()`/'drain' backpressure (the global fetch is slower
 * and costs more CPU on this path, see shared/perf-notes.md); responses are read as streams.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { type ClientTls, DEFAULT_TLS } from './tls';

const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
// Connections made through a `lookup` (to checked addresses) are pooled apart from the others, so that
// a request to a checked host never reuses a socket that was connected without the check.
const pinnedHttpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });

export interface RequestOptions {
  method: string;
  url: string;
  headers?: Record<string, string | number>;
  /** A JSON body (serialized here) or a raw body. */
  json?: unknown;
  body?: string | Buffer;
  /** Socket inactivity timeout in milliseconds. */
  timeoutMs?: number;
  /** How an https URL is verified (and the client certificate, if any); Node's defaults otherwise. */
  tls?: ClientTls;
  /** How the host name is resolved, e.g. to the addresses a filter checked (endpoint-filter.ts). */
  lookup?: LookupFunction;
}

export interface JsonResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: unknown;
  text: string;
}

/** The TLS settings of each https request in flight, to explain its failures. */
const tlsOf = new WeakMap<http.ClientRequest, { tls: ClientTls; host: string }>();

/**
 * A request's failure, said clearly when it is the server's certificate that did not verify (and which
 * option trusts its CA); any other failure as it is.
 */
export function requestFailure(req: http.ClientRequest, err: Error): Error {
  const known = tlsOf.get(req);
  return (known && known.tls.explain(err, known.host)) ?? err;
}

/** Starts a request; the caller writes the body (or not) and ends it. */
export function startRequest(opts: RequestOptions): http.ClientRequest {
  const url = new URL(opts.url);
  const tls = opts.tls ?? DEFAULT_TLS;
  const pinned = opts.lookup !== undefined;
  const secure = url.protocol === 'https:';
  const agent = secure ? (pinned ? tls.pinnedAgent : tls.agent) : pinned ? pinnedHttpAgent : httpAgent;
  const req = (secure ? https.request : http.request)(url, {
    method: opts.method,
    headers: opts.headers,
    agent,
    ...(opts.lookup ? { lookup: opts.lookup } : {}),
  });
  if (secure) tlsOf.set(req, { tls, host: url.host });
  if (opts.timeoutMs) {
    req.setTimeout(opts.timeoutMs, () => req.destroy(new Error(`no answer from ${url.host} in time`)));
  }
  return req;
}

export function waitForResponse(req: http.ClientRequest): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', (err) => reject(requestFailure(req, err)));
  });
}

export async function readBody(res: IncomingMessage, limit = 16 * 1024 * 1024): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of res) {
    size += (part as Buffer).length;
    if (size > limit) {
      res.destroy();
      throw new Error('response body too large');
    }
    parts.push(part as Buffer);
  }
  return Buffer.concat(parts).toString('utf8');
}

/** A request with a small body and a JSON (or empty) answer. */
export async function requestJson(opts: RequestOptions): Promise<JsonResponse> {
  const headers: Record<string, string | number> = { Accept: 'application/json', ...opts.headers };
  let body: string | Buffer | undefined = opts.body;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers['Content-Type'] ??= 'application/json';
  }
  if (body !== undefined) headers['Content-Length'] = Buffer.byteLength(body);
  const req = startRequest({ ...opts, headers });
  const responded = waitForResponse(req);
  req.end(body);
  const res = await responded;
  const text = await readBody(res);
  let parsed: unknown = undefined;
  if (text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  return { status: res.statusCode ?? 0, headers: res.headers, body: parsed, text };
}
