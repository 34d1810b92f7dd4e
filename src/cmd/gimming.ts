/**
 * gimming: the command-line client (see doc/source/cli/).
 */
import { main } from '../gimmingclient/shell/app';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
