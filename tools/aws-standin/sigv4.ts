/**
 * Verifies AWS Signature Version 4 on a request by signing it again with the secret the stand-in holds
 * (@smithy/signature-v4, the SDK's own signer) over exactly the headers the client says it signed, and
 * comparing. The caller maps the failures to the service's own error codes.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';

function toBytes(d: string | ArrayBuffer | ArrayBufferView): string | Buffer {
  if (typeof d === 'string') return d;
  if (d instanceof ArrayBuffer) return Buffer.from(d);
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
}

export class Sha256 {
  private readonly h: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(toBytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.h.digest()));
  }
  reset(): void {
    throw new Error('not used');
  }
}

export interface SignedScope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  amzDate: Date;
}

export type SigFailure =
  { kind: 'missing' } | { kind: 'malformed'; detail: string } | { kind: 'mismatch' } | { kind: 'skewed' };

export class SignatureError extends Error {
  constructor(readonly failure: SigFailure) {
    super(failure.kind);
  }
}

const AUTH_RE =
  /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/;

function parseAmzDate(s: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return undefined;
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

/** Reads the Authorization header's credential scope without checking anything but its form. */
export function readScope(headers: IncomingHttpHeaders): SignedScope {
  const auth = headers.authorization;
  if (!auth) throw new SignatureError({ kind: 'missing' });
  const m = AUTH_RE.exec(auth);
  if (!m)
    throw new SignatureError({
      kind: 'malformed',
      detail: 'Authorization header is not AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...',
    });
  const scope = m[1]!.split('/');
  if (scope.length !== 5 || scope[4] !== 'aws4_request') {
    throw new SignatureError({
      kind: 'malformed',
      detail: `Credential '${m[1]}' is not KEY/DATE/REGION/SERVICE/aws4_request`,
    });
  }
  const rawDate = headers['x-amz-date'];
  const amzDate = typeof rawDate === 'string' ? parseAmzDate(rawDate) : undefined;
  if (!amzDate)
    throw new SignatureError({ kind: 'malformed', detail: 'X-Amz-Date header is missing or malformed' });
  if (rawDate!.slice(0, 8) !== scope[1]) {
    throw new SignatureError({
      kind: 'malformed',
      detail: `Credential date ${scope[1]} does not match X-Amz-Date ${String(rawDate)}`,
    });
  }
  const signedHeaders = m[2]!.split(';');
  if (!signedHeaders.includes('host'))
    throw new SignatureError({ kind: 'malformed', detail: 'the host header must be signed' });
  return {
    accessKeyId: scope[0]!,
    date: scope[1],
    region: scope[2]!,
    service: scope[3]!,
    signedHeaders,
    signature: m[3]!,
    amzDate,
  };
}

function splitQuery(rawQuery: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const pair of rawQuery.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const k = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
    const v = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1));
    const cur = out[k];
    out[k] = cur === undefined ? v : Array.isArray(cur) ? [...cur, v] : [cur, v];
  }
  return out;
}

export interface VerifyInput {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The body (EC2, STS) or undefined when x-amz-content-sha256 names the payload hash (S3). */
  body?: Buffer;
  secretAccessKey: string;
  sessionToken?: string;
  maxSkewMs: number;
}

/** Throws a SignatureError unless the request is signed with this secret. */
export async function verifySignature(scope: SignedScope, input: VerifyInput): Promise<void> {
  if (Math.abs(Date.now() - scope.amzDate.getTime()) > input.maxSkewMs)
    throw new SignatureError({ kind: 'skewed' });
  const q = input.url.indexOf('?');
  const path = q < 0 ? input.url : input.url.slice(0, q);
  let query: Record<string, string | string[]>;
  try {
    query = splitQuery(q < 0 ? '' : input.url.slice(q + 1));
  } catch {
    throw new SignatureError({ kind: 'malformed', detail: 'the query string is not properly encoded' });
  }
  const headers: Record<string, string> = {};
  for (const name of scope.signedHeaders) {
    const v = input.headers[name];
    if (v === undefined)
      throw new SignatureError({ kind: 'malformed', detail: `signed header ${name} is missing` });
    headers[name] = Array.isArray(v) ? v.join(',') : v;
  }
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: scope.accessKeyId,
      secretAccessKey: input.secretAccessKey,
      sessionToken: input.sessionToken,
    },
    region: scope.region,
    service: scope.service,
    sha256: Sha256,
    uriEscapePath: scope.service !== 's3',
    applyChecksum: false,
  });
  const [hostname, port] = (headers.host ?? '').split(':');
  const signed = await signer.sign(
    {
      method: input.method,
      protocol: 'http:',
      hostname: hostname ?? '',
      port: port ? Number(port) : undefined,
      path,
      query,
      headers,
      body: input.body,
    },
    { signingDate: scope.amzDate, signingRegion: scope.region, signingService: scope.service },
  );
  const want =
    /Signature=([0-9a-f]{64})/.exec(
      String(signed.headers.authorization ?? signed.headers.Authorization),
    )?.[1] ?? '';
  const a = Buffer.from(want);
  const b = Buffer.from(scope.signature);
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw new SignatureError({ kind: 'mismatch' });
}
