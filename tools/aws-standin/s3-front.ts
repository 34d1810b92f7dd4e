/**
 * The S3 endpoint: verifies SigV4 on every request (s3rver 3.7 checks none: it takes any V4 signature),
 * that the key's account owns the bucket and that the request is scoped to the bucket's region, checks a
 * signed payload's SHA-256 as it streams, serves the multipart calls s3rver lacks, then hands the request
 * to s3rver on a private loopback port, streaming both ways.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { StandinConfig } from './config';
import type { Credentials } from './credentials';
import type { Faults } from './faults';
import { requestId } from './ids';
import type { Multipart } from './s3-multipart';
import { readScope, SignatureError, verifySignature } from './sigv4';
import { escapeXml } from './xml-output';

class S3Error extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

function sendError(req: http.IncomingMessage, res: http.ServerResponse, e: S3Error): void {
  const id = requestId();
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(e.code)}</Code><Message>${escapeXml(e.message)}</Message>` +
    `<RequestId>${id}</RequestId></Error>`;
  res.writeHead(e.status, { 'content-type': 'application/xml', 'x-amz-request-id': id });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** The S3 operation a request is, near enough for fault injection. */
function operationOf(method: string, key: string, q: URLSearchParams, copy: boolean): string {
  if (!key) {
    if (method === 'GET')
      return q.has('uploads')
        ? 'ListMultipartUploads'
        : q.has('location')
          ? 'GetBucketLocation'
          : 'ListObjects';
    if (method === 'POST' && q.has('delete')) return 'DeleteObjects';
    return method === 'HEAD'
      ? 'HeadBucket'
      : method === 'PUT'
        ? 'CreateBucket'
        : method === 'DELETE'
          ? 'DeleteBucket'
          : method;
  }
  if (method === 'PUT') return q.has('uploadId') ? 'UploadPart' : copy ? 'CopyObject' : 'PutObject';
  if (method === 'POST')
    return q.has('uploads')
      ? 'CreateMultipartUpload'
      : q.has('uploadId')
        ? 'CompleteMultipartUpload'
        : 'PostObject';
  if (method === 'DELETE') return q.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
  if (method === 'HEAD') return 'HeadObject';
  return q.has('uploadId') ? 'ListParts' : 'GetObject';
}

export interface S3FrontDeps {
  config: StandinConfig;
  credentials: Credentials;
  faults: Faults;
  multipart: Multipart;
  /** The private s3rver's port. */
  backendPort: () => number;
  log: (msg: string) => void;
}

export function s3Front(deps: S3FrontDeps): http.RequestListener {
  return (req, res) => {
    handle(deps, req, res).catch((e: Error) => {
      if (e instanceof S3Error) sendError(req, res, e);
      else {
        deps.log(`s3: ${req.method} ${req.url}: ${e.stack ?? e.message}`);
        if (!res.headersSent)
          sendError(
            req,
            res,
            new S3Error('InternalError', 'We encountered an internal error. Please try again.', 500),
          );
        else res.destroy();
      }
    });
  };
}

async function handle(deps: S3FrontDeps, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x');
  const [, bucket = '', ...keyParts] = url.pathname.split('/');
  const key = keyParts.join('/');
  const method = req.method ?? 'GET';
  if (url.searchParams.has('X-Amz-Algorithm'))
    throw new S3Error('NotImplemented', 'The stand-in does not take presigned URLs.', 501);
  let scope;
  try {
    scope = readScope(req.headers);
  } catch (e) {
    if (e instanceof SignatureError && e.failure.kind === 'missing')
      throw new S3Error('AccessDenied', 'Access Denied', 403);
    throw new S3Error(
      'AuthorizationHeaderMalformed',
      e instanceof SignatureError && e.failure.kind === 'malformed'
        ? e.failure.detail
        : 'The authorization header is malformed',
      400,
    );
  }
  if (scope.service !== 's3')
    throw new S3Error(
      'AuthorizationHeaderMalformed',
      `The authorization header is malformed; incorrect service "${scope.service}". This endpoint belongs to "s3".`,
      400,
    );
  const identity = deps.credentials.lookup(scope.accessKeyId);
  if (!identity)
    throw new S3Error(
      'InvalidAccessKeyId',
      'The AWS Access Key Id you provided does not exist in our records.',
      403,
    );
  if (identity.sessionToken !== undefined) {
    if (req.headers['x-amz-security-token'] !== identity.sessionToken)
      throw new S3Error('InvalidToken', 'The provided token is malformed or otherwise invalid.', 400);
    if (identity.expiration && identity.expiration.getTime() < Date.now())
      throw new S3Error('ExpiredToken', 'The provided token has expired.', 400);
  }
  const payloadHash = req.headers['x-amz-content-sha256'];
  if (typeof payloadHash !== 'string')
    throw new S3Error(
      'InvalidRequest',
      'Missing required header for this request: x-amz-content-sha256',
      400,
    );
  if (payloadHash !== 'UNSIGNED-PAYLOAD' && !/^[0-9a-f]{64}$/.test(payloadHash)) {
    throw new S3Error(
      'NotImplemented',
      `The stand-in does not take x-amz-content-sha256: ${payloadHash} (send the client with requestChecksumCalculation WHEN_REQUIRED).`,
      501,
    );
  }
  try {
    await verifySignature(scope, {
      method,
      url: req.url ?? '/',
      headers: req.headers,
      secretAccessKey: identity.secretAccessKey,
      sessionToken: identity.sessionToken,
      maxSkewMs: 15 * 60 * 1000,
    });
  } catch (e) {
    if (!(e instanceof SignatureError)) throw e;
    if (e.failure.kind === 'skewed')
      throw new S3Error(
        'RequestTimeTooSkewed',
        'The difference between the request time and the current time is too large.',
        403,
      );
    if (e.failure.kind === 'malformed')
      throw new S3Error('AuthorizationHeaderMalformed', e.failure.detail, 400);
    throw new S3Error(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      403,
    );
  }
  if (bucket) {
    const b = deps.config.buckets.find((x) => x.name === bucket);
    if (!b) throw new S3Error('NoSuchBucket', 'The specified bucket does not exist', 404);
    if (b.region !== scope.region)
      throw new S3Error(
        'AuthorizationHeaderMalformed',
        `The authorization header is malformed; the region '${scope.region}' is wrong; expecting '${b.region}'`,
        400,
      );
    if (b.account !== identity.account) throw new S3Error('AccessDenied', 'Access Denied', 403);
  }
  const op = operationOf(method, key, url.searchParams, 'x-amz-copy-source' in req.headers);
  try {
    deps.faults.check('s3', op, scope.region);
  } catch (e) {
    const f = e as { code: string; message: string; status: number };
    throw new S3Error(f.code, f.message, f.status);
  }
  if (!bucket)
    throw new S3Error(
      'NotImplemented',
      'The stand-in serves its configured buckets only (no ListBuckets or CreateBucket).',
      501,
    );
  if (
    !key &&
    method !== 'GET' &&
    method !== 'HEAD' &&
    !(method === 'POST' && url.searchParams.has('delete'))
  ) {
    throw new S3Error('NotImplemented', 'The stand-in does not create, change or delete buckets.', 501);
  }

  const uploadId = url.searchParams.get('uploadId');
  if (op === 'ListMultipartUploads') {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/xml' });
    res.end(deps.multipart.listXml(bucket, url.searchParams.get('prefix') ?? ''));
    return;
  }
  if (uploadId !== null) {
    const upload = deps.multipart.get(bucket, uploadId);
    if (!upload || upload.key !== decodeURIComponent(key)) {
      req.resume();
      throw new S3Error(
        'NoSuchUpload',
        'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
        404,
      );
    }
    if (op === 'AbortMultipartUpload') {
      req.resume();
      deps.multipart.abort(bucket, uploadId);
      res.writeHead(204);
      res.end();
      return;
    }
    if (op === 'ListParts') throw new S3Error('NotImplemented', 'The stand-in does not list parts.', 501);
  }
  await forward(deps, req, res, payloadHash);
}

/** Streams the request to s3rver, its body checked against the signed SHA-256 before the last byte goes on. */
async function forward(
  deps: S3FrontDeps,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  payloadHash: string,
): Promise<void> {
  const headers = { ...req.headers };
  delete headers.authorization;
  delete headers['x-amz-security-token'];
  const upstream = http.request({
    host: '127.0.0.1',
    port: deps.backendPort(),
    method: req.method,
    path: req.url,
    headers,
  });
  const answered = new Promise<void>((resolve, reject) => {
    upstream.on('response', (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      pipeline(up, res).then(resolve, reject);
    });
    upstream.on('error', reject);
  });
  const hash = createHash('sha256');
  const check = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
    flush(cb) {
      const got = hash.digest('hex');
      if (payloadHash !== 'UNSIGNED-PAYLOAD' && got !== payloadHash) {
        cb(
          new S3Error(
            'XAmzContentSHA256Mismatch',
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
            400,
          ),
        );
      } else cb();
    },
  });
  try {
    await pipeline(req, check, upstream);
  } catch (e) {
    // The client went away (or its body was refused): the upstream's own error that destroying it
    // raises is no news, and left unhandled it would end the stand-in.
    answered.catch(() => undefined);
    upstream.destroy();
    throw e;
  }
  await answered;
}
