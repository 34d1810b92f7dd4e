/**
 * The local cache of the last image listing (GIMinG's README: the synced data can be cached by the client
 * for searches and filters). Each `image list` that reaches the server writes what it got; `image list
 * --cached` reads it back with no round trip. One file per cloud and project, readable by the user only,
 * in $XDG_CACHE_HOME/gimming (default ~/.cache/gimming). It holds image records, never a token.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ImageView } from '../client';
import type { CloudConfig } from '../cloud-config';

export interface CachedImages {
  saved_at: string;
  images: ImageView[];
}

function cacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'gimming');
}

/** Who the listing was for: the same user and project of the same cloud read the same file. */
function cacheFile(cloud: CloudConfig): string {
  const a = cloud.auth;
  const who = [
    cloud.endpoint_override ?? a.auth_url ?? '',
    cloud.region_name ?? '',
    a.user_id ?? a.username ?? a.application_credential_id ?? a.application_credential_name ?? '',
    a.project_id ?? a.project_name ?? '',
  ].join('|');
  return join(cacheDir(), `images-${createHash('sha256').update(who).digest('hex').slice(0, 16)}.json`);
}

/**
 * Writes the listing to a temporary file of this process's own, then renames it into place: concurrent
 * runs never interleave their writes, and a reader sees one whole listing. False when it could not be
 * written (full disk, read-only home): the cache is a convenience, never a reason to fail a listing.
 */
export function saveImages(cloud: CloudConfig, images: ImageView[]): boolean {
  const path = cacheFile(cloud);
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    mkdirSync(cacheDir(), { recursive: true, mode: 0o700 });
    const body: CachedImages = { saved_at: new Date().toISOString(), images };
    writeFileSync(tmp, JSON.stringify(body), { mode: 0o600 });
    renameSync(tmp, path);
    return true;
  } catch {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // Nothing was written where nothing can be removed (the directory is missing or not one).
    }
    return false;
  }
}

export function loadImages(cloud: CloudConfig): CachedImages | undefined {
  const path = cacheFile(cloud);
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as CachedImages;
}
