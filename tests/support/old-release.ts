/**
 * The previous release, from git, built once and kept under /var/tmp for the rolling-upgrade tests:
 * `git archive` of its commit (nothing is checked out in this repository), this tree's node_modules, and
 * its TypeScript compiled (the daemons only; not its dashboard). A clone needs the commit: a shallow one
 * fetches it from its origin, or is told to.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './testbed';

/** The last commit whose conductor spoke RPC 1.10 (the next one, the planner, made it 1.12). */
export const PREVIOUS_RELEASE = { commit: '255a08ee7b3a95db63a66f347f35e098937cf368', rpc: '1.10' };

const MARKER = '.gimming-built';

/** The root of the built previous release (built now when it is not yet). */
export function previousRelease(release = PREVIOUS_RELEASE): string {
  const dir = join('/var/tmp', `gimming-release-${release.commit}`);
  if (existsSync(join(dir, MARKER))) return dir;
  const present = () => {
    try {
      execFileSync('git', ['-C', REPO_ROOT, 'cat-file', '-e', `${release.commit}^{commit}`], {
        stdio: 'ignore',
      });
      return true;
    } catch {
      return false;
    }
  };
  if (!present()) {
    // A shallow clone (CI's checkout may be one): fetch that one commit from where it was cloned.
    try {
      execFileSync('git', ['-C', REPO_ROOT, 'fetch', '--quiet', '--depth=1', 'origin', release.commit], {
        stdio: 'ignore',
        timeout: 120000,
      });
    } catch {
      // told below
    }
  }
  if (!present()) {
    throw new Error(
      `commit ${release.commit} (the previous release) is not in this clone's history: ` +
        'run `git fetch --unshallow` (the rolling-upgrade tests run it from git)',
    );
  }
  const work = `${dir}.part-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  execFileSync('bash', [
    '-o',
    'pipefail',
    '-c',
    `git -C "$1" archive "$2" | tar -x -C "$3"`,
    'archive',
    REPO_ROOT,
    release.commit,
    work,
  ]);
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(work, 'node_modules'));
  execFileSync(
    process.execPath,
    [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'],
    {
      cwd: work,
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  writeFileSync(join(work, MARKER), `${release.commit}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(work, dir);
  return dir;
}
