/**
 * The source image a benchmark copies: random bytes in a file under the bench directory, uploaded once
 * to a Glance zone and found again by name and size on later runs (so a run does not pay for it twice).
 */
import { randomFillSync } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, statSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Glance } from '../../../tests/support/openstack';

const MiB = 1024 * 1024;

export interface BenchGlanceImage {
  id: string;
  status: string;
  size: number | null;
  checksum: string | null;
  os_hash_value: string | null;
  gimming_image_id?: string;
}

export interface SourceSpec {
  /** The Glance image's name, also the key a later run finds it by. */
  name: string;
  sizeMiB: number;
  /** Where the random file is kept between runs. */
  dir: string;
  say: (text: string) => void;
}

/** A file of `sizeMiB` random MiB at `path`, made only if it is missing or of another size. */
export async function randomFile(path: string, sizeMiB: number, say: (text: string) => void): Promise<void> {
  if (existsSync(path) && statSync(path).size === sizeMiB * MiB) return;
  say(`making ${path}`);
  await pipeline(
    Readable.from(
      (function* () {
        for (let i = 0; i < sizeMiB; i++) yield randomFillSync(Buffer.allocUnsafe(MiB));
      })(),
    ),
    createWriteStream(path),
  );
}

/** Streams a file into a Glance image's data (PUT /v2/images/{id}/file). */
export async function putGlanceFile(glance: Glance, token: string, id: string, path: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const req = http.request(`${glance.url}/v2/images/${id}/file`, {
      method: 'PUT',
      headers: {
        'X-Auth-Token': token,
        'Content-Type': 'application/octet-stream',
        'Content-Length': statSync(path).size,
      },
    });
    req.on('response', (res) => {
      res.resume();
      if (res.statusCode === 204) resolve();
      else reject(new Error(`source upload: HTTP ${res.statusCode ?? 0}`));
    });
    req.on('error', reject);
    createReadStream(path).pipe(req);
  });
}

/** An active raw image of the spec's name and size in `glance`: the one a previous run left, or a new one. */
export async function ensureRawSource(
  glance: Glance,
  token: string,
  spec: SourceSpec,
): Promise<BenchGlanceImage> {
  const size = spec.sizeMiB * MiB;
  const found = ((await glance.list({ name: spec.name })) as BenchGlanceImage[]).find(
    (i) => i.status === 'active' && i.size === size,
  );
  if (found) return found;
  mkdirSync(spec.dir, { recursive: true });
  const file = join(spec.dir, `${spec.name}-${spec.sizeMiB}MiB.bin`);
  await randomFile(file, spec.sizeMiB, spec.say);
  const image = (await glance.create({
    name: spec.name,
    disk_format: 'raw',
    container_format: 'bare',
  })) as BenchGlanceImage;
  spec.say(`uploading ${spec.name} to ${glance.url} as ${image.id}`);
  await putGlanceFile(glance, token, image.id, file);
  return (await glance.get(image.id)) as BenchGlanceImage;
}
