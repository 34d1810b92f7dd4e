/**
 * The local cache of the last image listing (GIMinG's README: the synced data can be cached by the client
 * for searches and filters). Each `image list` that reaches the server writes what it got; `image list
 * --cached` reads it back with no round trip. One file per cloud and project, readable by the user only,
 * in $XDG_CACHE_HOME/gimming (default ~/.cache/gimming). It holds image records, never a token.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
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

export function saveImages(cloud: CloudConfig, images: ImageView[]): void {
  const dir = cacheDir();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = cacheFile(cloud);
  const body: CachedImages = { saved_at: new Date().toISOString(), images };
  writeFileSync(`${path}.tmp`, JSON.stringify(body), { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

export function loadImages(cloud: CloudConfig): CachedImages | undefined {
  const path = cacheFile(cloud);
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as CachedImages;
}
