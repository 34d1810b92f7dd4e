/**
 * Cloud Storage on its own port: the JSON API (`/storage/v1/b/{bucket}`, objects list/get/delete, media
 * download with `alt=media` and `Range`) and the upload API (`/upload/storage/v1/b/{bucket}/o` with
 * `uploadType=media`, `multipart`, or `resumable`: a session URI answered in `Location`, then PUTs with
 * `Content-Range: bytes a-b/*` answered 308 with `Range: bytes=0-N` until the last one, with the total,
 * answered 200 with the object; `bytes *\/*` asks how far it is). Every call but a PUT to a session URI
 * takes a bearer token whose account may use the bucket's project. Bytes stream to and from disk.
 */
import { randomBytes } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';
import type http from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BucketConfig, StandinConfig } from './config';
import { badRequest, GoogleApiError, notFound, sendError, sendJson } from './errors';
import type { Faults } from './faults';
import { readJson } from './http-util';
import { readMultipart } from './multipart-upload';
import { Objects } from './objects';
import type { ObjectRec, Store, UploadRec } from './state';
import { checkProject, type Grant, type Tokens } from './tokens';

/** Non-final chunks of a resumable upload are whole multiples of this (Cloud Storage's rule). */
export const CHUNK_QUANTUM = 256 * 1024;

export interface StorageServices {
  config: StandinConfig;
  store: Store;
  objects: Objects;
  tokens: Tokens;
  faults: Faults;
  endpoint: () => string;
  log: (m: string) => void;
}

function bucketOf(svc: StorageServices, name: string): BucketConfig {
  const b = svc.config.buckets.find((x) => x.name === name);
  if (!b) throw notFound('The specified bucket does not exist.');
  return b;
}

function objectJson(svc: StorageServices, o: ObjectRec): Record<string, unknown> {
  const enc = encodeURIComponent(o.name);
  return {
    kind: 'storage#object',
    id: `${o.bucket}/${o.name}/${o.generation}`,
    selfLink: `${svc.endpoint()}/storage/v1/b/${o.bucket}/o/${enc}`,
    mediaLink: `${svc.endpoint()}/download/storage/v1/b/${o.bucket}/o/${enc}?generation=${o.generation}&alt=media`,
    name: o.name,
    bucket: o.bucket,
    generation: o.generation,
    metageneration: '1',
    contentType: o.contentType,
    storageClass: 'STANDARD',
    size: String(o.size),
    md5Hash: o.md5,
    crc32c: o.crc32c,
    etag: Buffer.from(o.generation).toString('base64'),
    timeCreated: o.timeCreated,
    updated: o.timeCreated,
    timeStorageClassUpdated: o.timeCreated,
    ...(o.metadata ? { metadata: o.metadata } : {}),
  };
}

function bucketJson(svc: StorageServices, b: BucketConfig): Record<string, unknown> {
  const p = svc.config.projects.find((x) => x.id === b.project);
  return {
    kind: 'storage#bucket',
    selfLink: `${svc.endpoint()}/storage/v1/b/${b.name}`,
    id: b.name,
    name: b.name,
    projectNumber: p?.number,
    metageneration: '1',
    location: b.location ?? 'US',
    storageClass: 'STANDARD',
    etag: 'CAE=',
    timeCreated: '2026-01-01T00:00:00.000Z',
    updated: '2026-01-01T00:00:00.000Z',
    locationType: 'multi-region',
  };
}

function permit(svc: StorageServices, grant: Grant, b: BucketConfig, permission: string, what: string): void {
  try {
    checkProject(grant, b.project, permission, what);
  } catch {
    throw new GoogleApiError(
      403,
      `${grant.account.email} does not have ${permission} access to the Google Cloud Storage ${what}. Permission '${permission}' denied on resource (or it may not exist).`,
      'forbidden',
    );
  }
}

/** `bytes a-b/total`, `bytes a-b/*`, `bytes *\/total`, `bytes *\/*`. */
export function parseContentRange(
  h: string | undefined,
): { start?: number; end?: number; openEnded?: boolean; total?: number } | undefined {
  if (h === undefined) return undefined;
  const m = /^bytes (?:(\d+)-(\d+|\*)|\*)\/(\d+|\*)$/.exec(h.trim());
  if (!m) throw badRequest(`Failed to parse Content-Range header.`, 'badContent');
  const r = {
    start: m[1] === undefined ? undefined : Number(m[1]),
    end: m[2] === undefined || m[2] === '*' ? undefined : Number(m[2]),
    openEnded: m[2] === '*',
    total: m[3] === '*' ? undefined : Number(m[3]),
  };
  if (r.start !== undefined && r.end !== undefined && r.end < r.start)
    throw badRequest('Failed to parse Content-Range header.', 'badContent');
  return r;
}

function incomplete(res: http.ServerResponse, u: UploadRec): void {
  const headers: Record<string, string> = { 'content-length': '0', 'x-guploader-uploadid': u.id };
  if (u.received > 0) headers.range = `bytes=0-${u.received - 1}`;
  res.writeHead(308, headers);
  res.end();
}

/** A PUT (or POST) to a session URI: a chunk, the last chunk, or a status query. */
async function putChunk(
  svc: StorageServices,
  u: UploadRec,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  svc.faults.check('storage.objects.insert', svc.config.buckets.find((b) => b.name === u.bucket)?.project);
  const range = parseContentRange(req.headers['content-range']);
  if (u.completed) {
    req.resume();
    const o = svc.objects.get(u.bucket, u.name);
    if (!o) throw notFound(`No such object: ${u.bucket}/${u.name}`);
    sendJson(res, 200, objectJson(svc, o));
    return;
  }
  const declaredLength =
    req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
  if (range && range.start === undefined) {
    // A status query (or, with a total equal to what came, the end of an upload whose last chunk was empty).
    req.resume();
    if (range.total !== undefined && range.total === u.received) return finish(svc, u, res);
    if (range.total !== undefined && range.total < u.received)
      throw badRequest('Invalid request. The total size is less than what was uploaded.', 'invalid');
    return incomplete(res, u);
  }
  const start = range?.start ?? 0;
  if (start > u.received) {
    req.resume();
    throw badRequest(
      `Invalid request. Content-Range starts at ${start} but only ${u.received} byte(s) were received.`,
      'invalid',
    );
  }
  const file = svc.objects.uploadPath(u.id);
  mkdirSync(dirname(file), { recursive: true });
  const before = u.received;
  let skip = before - start;
  let got = 0;
  const trim = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      got += chunk.length;
      if (skip >= chunk.length) {
        skip -= chunk.length;
        cb();
      } else {
        const rest = chunk.subarray(skip);
        skip = 0;
        cb(null, rest);
      }
    },
  });
  try {
    await pipeline(
      req,
      trim,
      createWriteStream(file, { flags: existsSync(file) ? 'r+' : 'w', start: before }),
    );
  } catch (e) {
    truncateSync(file, before);
    throw e;
  }
  const wrongLength =
    (range?.end !== undefined && got !== range.end - start + 1) ||
    (declaredLength !== undefined && got !== declaredLength);
  // No Content-Range, or `bytes a-*/*`: this request carries the rest of the object.
  const total =
    range === undefined || (range.openEnded && range.total === undefined) ? start + got : range.total;
  const received = Math.max(before, start + got);
  const final = total !== undefined && received >= total;
  if (wrongLength || (total !== undefined && received > total)) {
    truncateSync(file, before);
    throw badRequest(
      'Invalid request. The number of bytes received does not match Content-Range.',
      'invalid',
    );
  }
  if (!final && (received - before) % CHUNK_QUANTUM !== 0 && got > 0) {
    truncateSync(file, before);
    throw badRequest(
      `Invalid request. The chunk of ${received - before} byte(s) is not a multiple of ${CHUNK_QUANTUM}, and it is not the last one.`,
      'invalid',
    );
  }
  u.received = statSync(file).size;
  svc.store.changed();
  if (final) return finish(svc, u, res, req.headers['x-goog-hash']);
  incomplete(res, u);
}

/** `crc32c=...,md5=...` as a client sends it with the last chunk. */
function parseGoogHash(h: string | string[] | undefined): { crc32c?: string; md5?: string } {
  const out: { crc32c?: string; md5?: string } = {};
  for (const part of (Array.isArray(h) ? h.join(',') : (h ?? '')).split(',')) {
    const i = part.indexOf('=');
    const k = part.slice(0, i).trim();
    if (k === 'crc32c' || k === 'md5') out[k] = part.slice(i + 1).trim();
  }
  return out;
}

async function finish(
  svc: StorageServices,
  u: UploadRec,
  res: http.ServerResponse,
  googHash?: string | string[],
): Promise<void> {
  const file = svc.objects.uploadPath(u.id);
  mkdirSync(dirname(file), { recursive: true });
  if (!existsSync(file)) writeFileSync(file, '');
  const hashes = await Objects.hashes(file);
  const want = parseGoogHash(googHash);
  for (const k of ['crc32c', 'md5'] as const)
    if (want[k] !== undefined && want[k] !== hashes[k]) {
      svc.store.uploads.delete(u.id);
      rmSync(file, { force: true });
      svc.store.changed();
      throw badRequest(
        `Provided ${k.toUpperCase()} hash "${want[k]}" doesn't match calculated ${k.toUpperCase()} hash "${hashes[k]}".`,
        'invalid',
      );
    }
  const o = await svc.objects.commit(
    file,
    { bucket: u.bucket, name: u.name, contentType: u.contentType, metadata: u.metadata },
    hashes,
  );
  u.completed = true;
  svc.store.changed();
  svc.log(`storage: ${u.bucket}/${u.name} uploaded (${o.size} bytes, session ${u.id})`);
  sendJson(res, 200, objectJson(svc, o));
}

async function startSession(
  svc: StorageServices,
  b: BucketConfig,
  url: URL,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const meta = (await readJson(req)) as Record<string, unknown>;
  const name = url.searchParams.get('name') ?? (typeof meta.name === 'string' ? meta.name : undefined);
  if (!name) throw badRequest('Required', 'required');
  checkObjectName(name);
  const id = randomBytes(24).toString('base64url');
  const contentType =
    (req.headers['x-upload-content-type'] as string | undefined) ??
    (typeof meta.contentType === 'string' ? meta.contentType : 'application/octet-stream');
  const u: UploadRec = {
    id,
    bucket: b.name,
    name,
    contentType,
    metadata: (meta.metadata as Record<string, string> | undefined) ?? undefined,
    received: 0,
    createdAt: Date.now(),
  };
  svc.store.uploads.set(id, u);
  svc.store.changed();
  const location = `${svc.endpoint()}/upload/storage/v1/b/${b.name}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${id}`;
  res.writeHead(200, { location, 'x-guploader-uploadid': id, 'content-length': '0' });
  res.end();
}

function checkObjectName(name: string): void {
  if (
    Buffer.byteLength(name) > 1024 ||
    name === '.' ||
    name === '..' ||
    name.startsWith('.well-known/acme-challenge/') ||
    /[\r\n]/.test(name)
  )
    throw badRequest('The object name is invalid.', 'invalid');
}

export async function handleStorage(
  svc: StorageServices,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  try {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    const uploadId = url.searchParams.get('upload_id');
    const m = /^\/(upload\/|download\/)?storage\/v1\/b\/([^/]+)(\/o(?:\/(.+))?)?$/.exec(path);
    if (!m) throw notFound(`Not Found`);
    const [, prefix, bucketName, objects, objectEnc] = m;
    if (prefix === 'upload/' && uploadId) {
      const u = svc.store.uploads.get(uploadId);
      if (!u || u.bucket !== bucketName) throw notFound('No such upload session.');
      if (req.method === 'DELETE') {
        svc.store.uploads.delete(u.id);
        rmSync(svc.objects.uploadPath(u.id), { force: true });
        svc.store.changed();
        res.writeHead(499, { 'content-length': '0' });
        res.end();
        return;
      }
      if (req.method !== 'PUT' && req.method !== 'POST')
        throw new GoogleApiError(405, 'Method not allowed.', 'methodNotAllowed');
      await putChunk(svc, u, req, res);
      return;
    }
    const write = req.method !== 'GET' && req.method !== 'HEAD';
    const grant = svc.tokens.authorize(req, 'storage', write);
    const b = bucketOf(svc, decodeURIComponent(bucketName ?? ''));
    if (prefix === 'upload/') {
      if (req.method !== 'POST' || objectEnc) throw notFound('Not Found');
      permit(svc, grant, b, 'storage.objects.create', 'bucket');
      svc.faults.check('storage.objects.insert', b.project);
      const type = url.searchParams.get('uploadType');
      if (type === 'resumable') return await startSession(svc, b, url, req, res);
      if (type === 'media') {
        const name = url.searchParams.get('name');
        if (!name) throw badRequest('Required', 'required');
        checkObjectName(name);
        const tmp = await svc.objects.writeTemp(randomBytes(12).toString('hex'), req);
        const o = await svc.objects.commit(tmp, {
          bucket: b.name,
          name,
          contentType: req.headers['content-type'] ?? 'application/octet-stream',
        });
        sendJson(res, 200, objectJson(svc, o));
        return;
      }
      if (type === 'multipart') {
        const tmp = svc.objects.uploadPath(randomBytes(12).toString('hex'));
        const { metadata, contentType } = await readMultipart(req, tmp);
        const name =
          url.searchParams.get('name') ?? (typeof metadata.name === 'string' ? metadata.name : undefined);
        if (!name) {
          rmSync(tmp, { force: true });
          throw badRequest('Required', 'required');
        }
        checkObjectName(name);
        const o = await svc.objects.commit(tmp, {
          bucket: b.name,
          name,
          contentType,
          metadata: metadata.metadata as Record<string, string> | undefined,
        });
        sendJson(res, 200, objectJson(svc, o));
        return;
      }
      throw badRequest(
        `Invalid upload type: ${type ?? ''} (the stand-in takes media, multipart and resumable).`,
        'invalidParameter',
      );
    }
    if (objects === undefined) {
      if (req.method !== 'GET') throw new GoogleApiError(405, 'Method not allowed.', 'methodNotAllowed');
      permit(svc, grant, b, 'storage.buckets.get', 'bucket');
      svc.faults.check('storage.buckets.get', b.project);
      sendJson(res, 200, bucketJson(svc, b));
      return;
    }
    if (objectEnc === undefined) {
      if (req.method !== 'GET') throw new GoogleApiError(405, 'Method not allowed.', 'methodNotAllowed');
      permit(svc, grant, b, 'storage.objects.list', 'bucket');
      svc.faults.check('storage.objects.list', b.project);
      const prefixQ = url.searchParams.get('prefix') ?? '';
      const max = Math.min(Number(url.searchParams.get('maxResults') ?? 1000) || 1000, 1000);
      const token = url.searchParams.get('pageToken');
      let all = svc.objects.list(b.name).filter((o) => o.name.startsWith(prefixQ));
      if (token) all = all.filter((o) => o.name > Buffer.from(token, 'base64url').toString('utf8'));
      const page = all.slice(0, max);
      const body: Record<string, unknown> = {
        kind: 'storage#objects',
        items: page.map((o) => objectJson(svc, o)),
      };
      if (all.length > max)
        body.nextPageToken = Buffer.from(page[page.length - 1]?.name ?? '').toString('base64url');
      sendJson(res, 200, body);
      return;
    }
    const name = decodeURIComponent(objectEnc);
    const o = svc.objects.get(b.name, name);
    if (req.method === 'DELETE') {
      permit(svc, grant, b, 'storage.objects.delete', 'object');
      svc.faults.check('storage.objects.delete', b.project);
      if (!o) throw notFound(`No such object: ${b.name}/${name}`);
      svc.objects.delete(o);
      res.writeHead(204);
      res.end();
      return;
    }
    if (req.method !== 'GET') throw new GoogleApiError(405, 'Method not allowed.', 'methodNotAllowed');
    permit(svc, grant, b, 'storage.objects.get', 'object');
    svc.faults.check('storage.objects.get', b.project);
    if (!o) throw notFound(`No such object: ${b.name}/${name}`);
    if (url.searchParams.get('alt') !== 'media' && prefix !== 'download/') {
      sendJson(res, 200, objectJson(svc, o));
      return;
    }
    await sendMedia(svc, o, req, res);
  } catch (e) {
    if (!(e instanceof GoogleApiError)) svc.log(`storage: ${(e as Error).stack ?? String(e)}`);
    req.resume();
    sendError(res, e);
  }
}

async function sendMedia(
  svc: StorageServices,
  o: ObjectRec,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const headers: Record<string, string> = {
    'content-type': o.contentType,
    'x-goog-generation': o.generation,
    'x-goog-metageneration': '1',
    'x-goog-stored-content-encoding': 'identity',
    'x-goog-stored-content-length': String(o.size),
    'x-goog-hash': `crc32c=${o.crc32c},md5=${o.md5}`,
    etag: Buffer.from(o.generation).toString('base64'),
    'accept-ranges': 'bytes',
  };
  const r = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
  if (r && (r[1] || r[2])) {
    let start = r[1] ? Number(r[1]) : Math.max(0, o.size - Number(r[2]));
    let end = r[1] && r[2] ? Math.min(Number(r[2]), o.size - 1) : o.size - 1;
    if (start >= o.size) {
      res.writeHead(416, { 'content-range': `bytes */${o.size}` });
      res.end();
      return;
    }
    start = Math.max(0, start);
    end = Math.max(start, end);
    delete headers['x-goog-hash'];
    res.writeHead(206, {
      ...headers,
      'content-range': `bytes ${start}-${end}/${o.size}`,
      'content-length': String(end - start + 1),
    });
    await pipeline(svc.objects.open(o, start, end), res);
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': String(o.size) });
  if (o.size === 0) {
    res.end();
    return;
  }
  await pipeline(svc.objects.open(o), res);
}
