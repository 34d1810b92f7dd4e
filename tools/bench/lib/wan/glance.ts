/**
 * A Glance API for one test-bed zone, run inside the far namespace of a WanLink: the zone's own config
 * (same database file and store directories as the test bed's process, which keeps running) with a second
 * config file that makes it listen on the namespace's addresses. It listens on the zone's port of the
 * catalog (9293 for RegionTwo), inside the namespace, so that an agent in the namespace that reads the
 * catalog finds it on 127.0.0.1; that namespace has its own ports, so no one else's is taken.
 */
import { writeFileSync } from 'node:fs';
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
  writeFileSync(
    override,
    `[DEFAULT]\nbind_host = 0.0.0.0\nbind_port = ${port}\npublic_endpoint = ${url}\nuse_stderr = true\n`,
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
