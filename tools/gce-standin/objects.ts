/**
 * Cloud Storage objects on disk: `<stateDir>/objects/<bucket>/<sha256 of the name>`, their metadata in the
 * store. Bytes always stream: an object is written from a stream into a temporary file and renamed, and
 * read as a stream.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, renameSync, rmSync, type ReadStream } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Crc32c } from './crc32c';
import type { ObjectRec, Store } from './state';

export class Objects {
  constructor(
    private readonly root: string,
    private readonly store: Store,
  ) {}

  path(bucket: string, name: string): string {
    return join(this.root, 'objects', bucket, createHash('sha256').update(name).digest('hex'));
  }

  uploadPath(id: string): string {
    return join(this.root, 'uploads', id);
  }

  get(bucket: string, name: string): ObjectRec | undefined {
    return this.store.objects.get(`${bucket}/${name}`);
  }

  list(bucket: string): ObjectRec[] {
    return [...this.store.objects.values()]
      .filter((o) => o.bucket === bucket)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  open(rec: ObjectRec, start?: number, end?: number): ReadStream {
    return createReadStream(this.path(rec.bucket, rec.name), { start, end });
  }

  /** The md5 and crc32c of a file, read as a stream. */
  static async hashes(path: string): Promise<{ md5: string; crc32c: string; size: number }> {
    const md5 = createHash('md5');
    const crc = new Crc32c();
    let size = 0;
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
      md5.update(chunk);
      crc.update(chunk);
      size += chunk.length;
    }
    return { md5: md5.digest('base64'), crc32c: crc.base64(), size };
  }

  /** Makes a finished file (a whole media upload, or a completed session) the object's bytes. */
  async commit(
    from: string,
    meta: Omit<ObjectRec, 'size' | 'md5' | 'crc32c' | 'generation' | 'timeCreated'>,
    known?: { md5: string; crc32c: string; size: number },
  ): Promise<ObjectRec> {
    const h = known ?? (await Objects.hashes(from));
    const to = this.path(meta.bucket, meta.name);
    mkdirSync(join(to, '..'), { recursive: true });
    renameSync(from, to);
    const rec: ObjectRec = {
      bucket: meta.bucket,
      name: meta.name,
      contentType: meta.contentType,
      metadata: meta.metadata,
      size: h.size,
      md5: h.md5,
      crc32c: h.crc32c,
      generation: String(Date.now() * 1000 + Math.floor(Math.random() * 1000)),
      timeCreated: new Date().toISOString(),
    };
    this.store.objects.set(`${rec.bucket}/${rec.name}`, rec);
    this.store.changed();
    return rec;
  }

  async writeTemp(id: string, body: Readable): Promise<string> {
    const p = this.uploadPath(id);
    mkdirSync(join(p, '..'), { recursive: true });
    await pipeline(body, createWriteStream(p));
    return p;
  }

  delete(rec: ObjectRec): void {
    rmSync(this.path(rec.bucket, rec.name), { force: true });
    this.store.objects.delete(`${rec.bucket}/${rec.name}`);
    this.store.changed();
  }
}
