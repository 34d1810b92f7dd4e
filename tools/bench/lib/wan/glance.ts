/**
 * A Glance API for one test-bed zone, run inside the far namespace of a WanLink: the zone's own config with a
 * second config file that makes it listen on the namespace's addresses and keep its own copy of the zone's
 * database (SQLite: two Glance processes writing one file fail with "database is locked" while the test
 * bed's is busy) and its own store. It listens on the zone's port of the
 * catalog (9293 for RegionTwo), inside the namespace, so that an agent in the namespace that reads the
 * catalog finds it on 127.0.0.1; that namespace has its own ports, so no one else's is taken.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TESTBED_DIR } from '../../../../tests/support/testbed';
import type { WanLink } from './index';

const PYTHON = '/usr/bin/python3';

export interface FarGlance {
  url: string;
  pid: number;
}

/** Starts zone `dirName`'s Glance (e.g. glance-b) in the far namespace and waits until it answers. */
export async function startFarGlance(
  link: WanLink,
  dirName: string,
  port: number,
  logDir: string,
): Promise<FarGlance> {
  const url = `http://${link.farAddress}:${port}`;
  const override = join(logDir, `${dirName}-wan.conf`);
  const data = join(logDir, dirName);
  rmSync(data, { recursive: true, force: true });
  for (const d of ['images', 'images-replica', 'staging', 'tasks', 'cache', 'locks']) {
    mkdirSync(join(data, d), { recursive: true });
  }
  // A consistent copy of the zone's database (the SQLite backup API, safe while the test bed's writes it).
  execFileSync(PYTHON, [
    '-c',
    'import sqlite3, sys; sqlite3.connect(sys.argv[1]).backup(sqlite3.connect(sys.argv[2]))',
    join(TESTBED_DIR, 'data', dirName, 'glance.sqlite'),
    join(data, 'glance.sqlite'),
  ]);
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
  const child = link.spawnInNamespace(dirName, PYTHON, [
    '-c',
    'import sys; from glance.cmd.api import main; sys.exit(main())',
    '--config-file',
    join(TESTBED_DIR, 'etc', dirName, 'glance-api.conf'),
    '--config-file',
    override,
  ]);
  const end = Date.now() + 60000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the far ${dirName} exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/versions`);
      if (res.status === 200 || res.status === 300) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > end) throw new Error(`the far ${dirName} did not answer in 60 s (${logDir})`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, pid: child.pid! };
}
