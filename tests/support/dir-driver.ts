/**
 * A real cloud driver for tests: a "cloud" that is a directory. Each image is <id>.json (its record) and
 * <id>.data (its bytes). Like EC2 or GCE, it reports no hashes of its own, so the agent proves copies into
 * it with the hashes it computes in flight. `formats` limits the disk formats it takes (as a Glance zone's
 * disk_formats do): an image of another format is refused, as Glance refuses it.
 */
import { randomUUID } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GimmingError } from '../../src/common/errors';
import type { CloudDriver, CloudSession, ImageSpec } from '../../src/gimming-agent/drivers/driver';
import type { CloudImage, CloudMember } from '../../src/gimming-agent/drivers/image';

class DirSession implements CloudSession {
  constructor(
    private readonly dir: string,
    readonly cloudName: string,
    private readonly formats: readonly string[],
  ) {}

  async diskFormats() {
    return this.formats;
  }

  private record(id: string): CloudImage {
    const path = join(this.dir, `${id}.json`);
    if (!/^[0-9a-f-]{36}$/.test(id) || !existsSync(path)) {
      throw new GimmingError('gimming.remote_image.not_found', 404, `Image ${id} was not found.`);
    }
    return JSON.parse(readFileSync(path, 'utf8')) as CloudImage;
  }

  private save(image: CloudImage): CloudImage {
    writeFileSync(join(this.dir, `${image.id}.json`), JSON.stringify(image));
    return image;
  }

  async describe(id: string) {
    return this.record(id);
  }
  async list(filters: Record<string, string>, limit: number) {
    const { readdirSync } = await import('node:fs');
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => this.record(f.slice(0, -5)))
      .filter((i) => Object.entries(filters).every(([k, v]) => i.properties[k] === v))
      .slice(0, limit);
  }
  async setProperties(id: string, props: Record<string, string>) {
    const image = this.record(id);
    for (const [k, v] of Object.entries(props)) {
      if (v === '') delete image.properties[k];
      else image.properties[k] = v;
    }
    return this.save(image);
  }
  async update(id: string, changes: { name?: string; visibility?: string }) {
    const image = this.record(id);
    return this.save({ ...image, ...(changes.name ? { name: changes.name } : {}) });
  }
  async addMember(): Promise<CloudMember> {
    throw new GimmingError('gimming.cloud.bad_request', 400, 'A directory shares nothing.');
  }
  async removeMember() {
    return false;
  }
  async listMembers() {
    return [];
  }
  async delete(id: string) {
    if (!existsSync(join(this.dir, `${id}.json`))) return false;
    rmSync(join(this.dir, `${id}.json`));
    rmSync(join(this.dir, `${id}.data`), { force: true });
    return true;
  }
  async openRead(id: string) {
    this.record(id);
    const path = join(this.dir, `${id}.data`);
    return { stream: createReadStream(path), announcedLength: statSync(path).size };
  }
  async create(spec: ImageSpec) {
    if (!this.formats.includes(spec.disk_format)) {
      throw new GimmingError(
        'gimming.cloud.bad_request',
        400,
        `Creating an image in cloud ${this.cloudName} was refused: invalid disk format ${spec.disk_format}.`,
      );
    }
    const id = randomUUID();
    const now = new Date().toISOString();
    this.save({
      id,
      name: spec.name,
      status: 'queued',
      size: 0,
      digests: {},
      disk_format: spec.disk_format,
      container_format: spec.container_format,
      visibility: spec.visibility || 'private',
      owner: '',
      min_disk: spec.min_disk,
      min_ram: spec.min_ram,
      properties: { ...spec.properties },
      tags: [...spec.tags],
      protected: false,
      created_at: now,
      updated_at: now,
    });
    return id;
  }
  async upload(id: string, data: Readable) {
    const path = join(this.dir, `${id}.data`);
    await pipeline(data, createWriteStream(path));
    const image = this.save({ ...this.record(id), status: 'active', size: statSync(path).size });
    return { image };
  }
}

/** A driver serving clouds of type `name` from `dir`, taking images of `formats`. */
export function dirDriver(
  dir: string,
  name = 'dir',
  opts: { formats?: readonly string[] } = {},
): CloudDriver {
  const formats = opts.formats ?? ['raw', 'qcow2'];
  return {
    name,
    capabilities: {
      canExport: true,
      canImport: true,
      diskFormats: formats,
      containerFormats: ['bare'],
      reportedHashes: [],
      nativeCopy: [],
      sharing: 'none',
      visibilities: ['private'],
      reservedPropertyPrefixes: [],
    },
    validateConfig() {},
    start() {
      return {
        idleTimeoutMs: 30_000,
        async open(_ctx, cloud) {
          return new DirSession(dir, cloud.name || cloud.id, formats);
        },
      };
    },
  };
}
