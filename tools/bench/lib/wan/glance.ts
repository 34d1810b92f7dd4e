/**
 * A Glance API for one test-bed zone, run inside that zone's namespace of a WanLink: the zone's own config
 * with a second config file that makes it listen on the namespace's addresses and keep a database and a
 * store of its own under $GIMMING_BENCH_DIR/wan/<zone>/ (the shared Glance keeps running, untouched). It
 * listens on the zone's port of the catalog (9292 for RegionOne, 9293 for RegionTwo), inside the namespace,
 * so that an agent in the namespace that reads the catalog finds it on 127.0.0.1; the namespace has its own
 * ports, so no one else's is taken.
 *
 * The database starts as a copy of the zone's (SQLite: two Glance processes writing one file fail with
 * "database is locked" while the test bed's is busy) with every image and task taken out: the shared
 * images' locations are files of the shared store, which this Glance must never delete (a sweep of
 * leftovers by name would). It is kept between runs, so the bench's cached source stays in it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TESTBED_DIR } from '../../../../tests/support/testbed';
import type { Side, WanLink } from './index';

const PYTHON = '/usr/bin/python3';

/** Empties a copy of a Glance database of its images and tasks (the schema and the metadefs stay). */
const EMPTY_IMAGES =
  'import sqlite3, sys\n' +
  'src, dst = sqlite3.connect(sys.argv[1]), sqlite3.connect(sys.argv[2])\n' +
  'src.backup(dst)\n' +
  'for t in ("image_properties", "image_locations", "image_members", "image_tags", "task_info", "tasks", "images"):\n' +
  '    dst.execute("DELETE FROM " + t)\n' +
  'dst.commit()\n';

export interface ZoneGlance {
  url: string;
  pid: number;
}

/** Starts zone `dirName`'s Glance (e.g. glance-b) in the zone's namespace and waits until it answers. */
export async function startZoneGlance(
  link: WanLink,
  side: Side,
  dirName: string,
  port: number,
  logDir: string,
): Promise<ZoneGlance> {
  const url = `http://${link.address[side]}:${port}`;
  const override = join(logDir, `${dirName}-wan.conf`);
  const data = join(logDir, dirName);
  for (const d of ['images', 'images-replica', 'staging', 'tasks', 'cache', 'locks']) {
    mkdirSync(join(data, d), { recursive: true });
  }
  const db = join(data, 'glance.sqlite');
  if (!existsSync(db)) {
    // A consistent copy (the SQLite backup API, safe while the test bed's Glance writes it), then emptied.
    execFileSync(PYTHON, [
      '-c',
      EMPTY_IMAGES,
      join(TESTBED_DIR, 'data', dirName, 'glance.sqlite'),
      `${db}.partial`,
    ]);
    renameSync(`${db}.partial`, db);
  }
  const store = (d: string) => `filesystem_store_datadir = ${join(data, d)}/\n`;
  writeFileSync(
    override,
    `[DEFAULT]\nbind_host = 0.0.0.0\nbind_port = ${port}\npublic_endpoint = ${url}\nuse_stderr = true\n` +
      `image_cache_dir = ${join(data, 'cache')}\n` +
      `[database]\nconnection = sqlite:///${join(data, 'glance.sqlite')}\n` +
      `[local]\n${store('images')}[replica]\n${store('images-replica')}` +
      `[os_glance_staging_store]\n${store('staging')}[os_glance_tasks_store]\n${store('tasks')}` +
      `[oslo_concurrency]\nlock_path = ${join(data, 'locks')}\n`,
  );
  const child = link.spawnInNamespace(side, dirName, PYTHON, [
    '-c',
    'import sys; from glance.cmd.api import main; sys.exit(main())',
    '--config-file',
    join(TESTBED_DIR, 'etc', dirName, 'glance-api.conf'),
    '--config-file',
    override,
  ]);
  const end = Date.now() + 60000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the ${side} ${dirName} exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/versions`);
      if (res.status === 200 || res.status === 300) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > end) throw new Error(`the ${side} ${dirName} did not answer in 60 s (${logDir})`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, pid: child.pid! };
}
