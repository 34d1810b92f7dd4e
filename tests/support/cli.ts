/**
 * The `gimming` command line run as a user of a test's stack would run it: its own process, the
 * stack's API as the endpoint, the user's token, a home and cache of the test's own.
 */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { Token } from './openstack';

// Run from dist/tests/support/.
export const GIMMING_BIN = resolve(__dirname, '../../../bin/gimming');

export interface CliRun {
  /** The exit status; -1 when it was killed or could not start. */
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliTarget {
  api: string;
  bed: { auth_url: string };
}

/** Runs `gimming args...` as `user` against the stack's API, with `home` as HOME and working directory. */
export function gimming(
  stack: CliTarget,
  user: Token,
  home: string,
  args: string[],
  timeoutMs = 180000,
): Promise<CliRun> {
  return new Promise((done) =>
    execFile(
      process.execPath,
      [GIMMING_BIN, ...args],
      {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: home,
          XDG_CACHE_HOME: join(home, 'cache'),
          OS_AUTH_URL: stack.bed.auth_url,
          OS_TOKEN: user.id,
          OS_PROJECT_ID: user.projectId,
          OS_ENDPOINT_OVERRIDE: stack.api,
        },
        cwd: home,
        timeout: timeoutMs,
      },
      (err, stdout, stderr) =>
        done({ code: err ? Number((err as { code?: unknown }).code ?? -1) || -1 : 0, stdout, stderr }),
    ),
  );
}
