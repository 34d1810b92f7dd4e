/**
 * Two versions of an image for incremental copies (the functional test and `npm run bench:incremental`):
 * `size` bytes of a deterministic stream (AES-CTR over zeros), and a new version with every
 * `1/changedEvery`-th block of `blockBytes` rewritten, streamed to a Glance without holding either.
 */
import { createCipheriv, createHash } from 'node:crypto';
import http from 'node:http';
import { Readable } from 'node:stream';
import type { Glance } from './openstack';

export interface VersionSpec {
  size: number;
  blockBytes: number;
  /** Every n-th block differs in the new version (20: 5% of the blocks). */
  changedEvery: number;
  /** Tells runs apart (the old version's bytes). */
  seed: string;
}

function keystream(seed: string, block: number, bytes: number): Buffer {
  const key = createHash('sha256').update(seed).digest();
  const iv = Buffer.alloc(16);
  iv.writeUInt32BE(block, 12);
  return createCipheriv('aes-256-ctr', key, iv).update(Buffer.alloc(bytes));
}

/** The bytes of a version (`changed`: the new one), block by block. */
export function versionStream(spec: VersionSpec, changed: boolean): Readable {
  const blocks = Math.ceil(spec.size / spec.blockBytes);
  return Readable.from(
    (function* () {
      for (let i = 0; i < blocks; i++) {
        const bytes = Math.min(spec.blockBytes, spec.size - i * spec.blockBytes);
        const differs = changed && i % spec.changedEvery === spec.changedEvery - 1;
        yield keystream(differs ? `${spec.seed}/new` : spec.seed, i, bytes);
      }
    })(),
    { objectMode: false },
  );
}

/** How many blocks the new version changes. */
export function changedBlocks(spec: VersionSpec): number {
  return Math.floor(Math.ceil(spec.size / spec.blockBytes) / spec.changedEvery);
}

/** Makes an active image of one version in a Glance (streamed); answers Glance's record of it. */
export async function uploadVersion(
  glance: Glance,
  token: string,
  name: string,
  spec: VersionSpec,
  changed: boolean,
): Promise<any> {
  const image = await glance.create({ name });
  await new Promise<void>((resolve, reject) => {
    const req = http.request(`${glance.url}/v2/images/${image.id}/file`, {
      method: 'PUT',
      headers: {
        'X-Auth-Token': token,
        'Content-Type': 'application/octet-stream',
        'Content-Length': spec.size,
      },
    });
    req.on('response', (res) => {
      res.resume();
      if (res.statusCode === 204) resolve();
      else reject(new Error(`upload ${name}: HTTP ${res.statusCode ?? 0}`));
    });
    req.on('error', reject);
    versionStream(spec, changed).pipe(req);
  });
  return glance.get(image.id);
}
