/**
 * A source's bytes converted to another disk format in the agent's scratch space: pulled into a file
 * (their size and hashes checked against the identity the copy must prove, so the conversion starts
 * from the source's own bytes), converted with qemu-img, and the converted file hashed. How much room
 * it needs is known before any byte is written: the source's size, plus its virtual disk's for the output
 * (read from the first bytes: the qcow2 header, or `qemu-img info` on them for other formats).
 */
import { type Hash, createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { QEMU_IMG_FORMATS } from '../../common/disk-formats';
import { type Digests, compareDigests } from '../../common/digests';
import { GimmingError } from '../../common/errors';
import { getLogger } from '../../common/log';
import type { StagingStore } from '../staging/store';
import { QCOW2_HEADER_BYTES, parseQcow2Header } from './qcow2-header';
import { qemuImgConvert, qemuImgInfo, qemuMessage } from './qemu-img';
import { Scratch } from './scratch';

const log = getLogger('agent.convert');

/** How many first bytes are probed with `qemu-img info` for the virtual size of a format not parsed here. */
const PROBE_BYTES = 1024 * 1024;
const ALGOS = ['md5', 'sha256', 'sha512'] as const;

export interface ConversionSettings {
  qemuImgPath: string;
  staging: StagingStore;
}

export interface ConversionRequest {
  from: string;
  to: string;
  /** The identity the source's bytes must have (their size must be known). */
  expect: { size: number; digests: Digests };
  /** For log lines. */
  taskId: string;
  /** Told of the source's bytes as they arrive (progress, metrics). */
  onSourceBytes?: (bytes: number) => void;
}

/** The converted bytes, ready in the scratch space until release(). */
export interface ConvertedFile {
  file: string;
  size: number;
  /** md5 and sha512 of the converted bytes. */
  digests: Digests;
  /** The source's identity as verified on the way in (sha512 always among the digests). */
  source: { size: number; digests: Digests };
  /** Removes the scratch files and frees their room. */
  release(): Promise<void>;
}

function unconvertible(message: string): GimmingError {
  return new GimmingError('gimming.convert.refused', 422, message);
}

/** The room the output of a conversion to `to` may need for a virtual disk of `virtualSize` bytes. */
export function outputBytes(to: string, virtualSize: number): number {
  // raw is exactly the virtual disk; the other formats are at most about as large, plus their metadata.
  return to === 'raw' ? virtualSize : virtualSize + Math.ceil(virtualSize / 64) + 8 * 1024 * 1024;
}

/** Reads from the source until `want` bytes (or its end) are in hand, without losing what follows. */
async function readHead(it: AsyncIterator<Buffer>, want: number): Promise<{ head: Buffer; ended: boolean }> {
  const parts: Buffer[] = [];
  let have = 0;
  while (have < want) {
    const next = await it.next();
    if (next.done) return { head: Buffer.concat(parts), ended: true };
    parts.push(next.value);
    have += next.value.length;
  }
  return { head: Buffer.concat(parts), ended: false };
}

async function writeAll(out: ReturnType<typeof createWriteStream>, chunk: Buffer): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

async function virtualSizeOf(
  settings: ConversionSettings,
  scratch: Scratch,
  from: string,
  head: Buffer,
  sourceSize: number,
  signal: AbortSignal,
): Promise<number> {
  if (from === 'raw') return sourceSize;
  if (from === 'qcow2') {
    const header = parseQcow2Header(head);
    if ('problem' in header) throw unconvertible(`The source is not a qcow2 image: ${header.problem}.`);
    if (header.hasBackingFile) {
      throw unconvertible(
        'The source qcow2 image names a backing file; only self-contained images are converted.',
      );
    }
    if (header.cryptMethod !== 0) throw unconvertible('The source qcow2 image is encrypted.');
    return header.virtualSize;
  }
  // Other formats: qemu-img reads their header from the first bytes (kept in the room reserved for them).
  const probe = scratch.file('probe');
  const out = createWriteStream(probe, { mode: 0o600 });
  await writeAll(out, head);
  out.end();
  await once(out, 'close');
  const info = await qemuImgInfo(settings.qemuImgPath, probe, QEMU_IMG_FORMATS[from]!, signal);
  await rm(probe, { force: true });
  if (!(info.virtualSize > 0)) throw unconvertible(`The size of the source ${from} disk cannot be told.`);
  return info.virtualSize;
}

/**
 * Converts the source (`stream`, read to its end) as `req` says. Throws before writing anything when
 * the scratch space cannot hold the conversion; removes every scratch file on any failure.
 */
export async function convertSource(
  settings: ConversionSettings,
  stream: Readable,
  req: ConversionRequest,
  signal: AbortSignal,
): Promise<ConvertedFile> {
  const qFrom = QEMU_IMG_FORMATS[req.from];
  const qTo = QEMU_IMG_FORMATS[req.to];
  if (!qFrom || !qTo) {
    throw new GimmingError(
      'gimming.convert.unsupported',
      409,
      `This agent does not convert ${req.from} images to ${req.to}.`,
    );
  }
  const size = req.expect.size;
  if (!(size > 0)) {
    throw new GimmingError('gimming.convert.unsupported', 409, 'A source of unknown size is not converted.');
  }
  const what = `Converting the ${req.from} image (${size} bytes) to ${req.to}`;
  const scratch = new Scratch(settings.staging);
  try {
    // The source alone must fit before its first byte is read.
    scratch.reserve(size, what);
    await scratch.open();
    const it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    const want = req.from === 'raw' ? 0 : req.from === 'qcow2' ? QCOW2_HEADER_BYTES : PROBE_BYTES;
    const { head, ended } = await readHead(it, Math.min(want, size));
    const virtualSize = await virtualSizeOf(settings, scratch, req.from, head, size, signal);
    scratch.reserve(size + outputBytes(req.to, virtualSize), `${what} (a disk of ${virtualSize} bytes)`);
    const sourceFile = scratch.file(`source.${req.from}`);
    const source = await pullInto(sourceFile, head, ended ? null : it, req, signal);
    const info = await qemuImgInfo(settings.qemuImgPath, sourceFile, qFrom, signal);
    if (info.externalFiles.length > 0) {
      throw unconvertible(
        `The source ${req.from} image refers to other files; only self-contained images are converted.`,
      );
    }
    const convertedFile = scratch.file(`converted.${req.to}`);
    const started = Date.now();
    try {
      await qemuImgConvert(
        settings.qemuImgPath,
        { file: sourceFile, format: qFrom },
        { file: convertedFile, format: qTo },
        signal,
      );
    } catch (err) {
      if (signal.aborted) throw cancelled();
      throw unconvertible(`qemu-img could not convert the source: ${qemuMessage(err)}`);
    }
    await rm(sourceFile, { force: true });
    const converted = await hashFile(convertedFile, signal);
    log.info(
      {
        task_id: req.taskId,
        from: req.from,
        to: req.to,
        source_bytes: size,
        converted_bytes: converted.size,
        seconds: (Date.now() - started) / 1000,
      },
      'image data converted',
    );
    return { file: convertedFile, ...converted, source, release: () => scratch.release() };
  } catch (err) {
    await scratch.release();
    if (signal.aborted) throw cancelled();
    throw err;
  }
}

function cancelled(): GimmingError {
  return new GimmingError('gimming.task.cancelled', 409, 'The copy was cancelled.');
}

/** Writes the source to `file`, hashing it; checks it against the expected identity. */
async function pullInto(
  file: string,
  head: Buffer,
  rest: AsyncIterator<Buffer> | null,
  req: ConversionRequest,
  signal: AbortSignal,
): Promise<{ size: number; digests: Digests }> {
  const { expect } = req;
  const algos = new Set<string>(['sha512']);
  for (const algo of ALGOS) if (expect.digests[algo]) algos.add(algo);
  const hashes = new Map<string, Hash>([...algos].map((a) => [a, createHash(a)]));
  const out = createWriteStream(file, { mode: 0o600 });
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => undefined);
  let bytes = 0;
  const take = async (chunk: Buffer) => {
    if (signal.aborted) throw cancelled();
    bytes += chunk.length;
    if (bytes > expect.size) {
      throw new GimmingError(
        'gimming.copy.mismatch',
        502,
        `The source holds more than its ${expect.size} bytes.`,
      );
    }
    for (const h of hashes.values()) h.update(chunk);
    req.onSourceBytes?.(chunk.length);
    await Promise.race([writeAll(out, chunk), failed]);
  };
  try {
    if (head.length > 0) await take(head);
    if (rest) {
      for (let next = await rest.next(); !next.done; next = await rest.next()) await take(next.value);
    }
    out.end();
    await Promise.race([once(out, 'close'), failed]);
  } finally {
    out.destroy();
  }
  const digests: Digests = {};
  for (const [algo, h] of hashes) digests[algo] = h.digest('hex');
  const { compared, problems } = compareDigests(expect.digests, digests);
  if (bytes !== expect.size) problems.unshift(`size ${bytes} != ${expect.size}`);
  if (compared.length === 0) problems.push('the source exposes no hash to compare with');
  if (problems.length > 0) {
    throw new GimmingError(
      'gimming.copy.mismatch',
      502,
      `The source's bytes do not match the image: ${problems.join('; ')}.`,
    );
  }
  return { size: bytes, digests };
}

/** Size, md5 and sha512 of a file, in one read. */
async function hashFile(file: string, signal: AbortSignal): Promise<{ size: number; digests: Digests }> {
  const md5 = createHash('md5');
  const sha512 = createHash('sha512');
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024, signal })) {
    md5.update(chunk as Buffer);
    sha512.update(chunk as Buffer);
  }
  return { size: (await stat(file)).size, digests: { md5: md5.digest('hex'), sha512: sha512.digest('hex') } };
}
