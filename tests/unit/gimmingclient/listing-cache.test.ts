/**
 * The CLI's listing cache on real files: no shared temporary file between runs, and a write that fails
 * does not throw.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImageView } from '../../../src/gimmingclient/client';
import { loadImages, saveImages } from '../../../src/gimmingclient/shell/cache';

describe('CLI listing cache', () => {
  let dir: string;
  const saved = process.env.XDG_CACHE_HOME;
  const cloud = { auth: { auth_url: 'http://k/v3', username: 'u', project_name: 'p' } };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gimming-cache-'));
    process.env.XDG_CACHE_HOME = dir;
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    if (saved === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = saved;
  });

  it('writes through a temporary file of its own and leaves none behind', () => {
    const images = [{ id: 'a' }] as unknown as ImageView[];
    assert.equal(saveImages(cloud, images), true);
    assert.deepEqual(loadImages(cloud)?.images, images);
    const files = readdirSync(join(dir, 'gimming'));
    assert.equal(files.length, 1, files.join(', '));
    assert.doesNotMatch(files[0] ?? '', /\.tmp$/);
  });

  it('answers false, without throwing, when the cache cannot be written', () => {
    // The cache directory's place is taken by a file: mkdir fails, for root too.
    writeFileSync(join(dir, 'gimming'), '');
    assert.equal(saveImages(cloud, [] as ImageView[]), false);
  });
});
