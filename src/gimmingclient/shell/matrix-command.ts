/**
 * `gimming matrix`: images x clouds, the state of each copy in one table. In a table, each cloud's column
 * says after its name the kind of cloud it is (openstack, aws, gcp: the types of `cloud create --type`);
 * the other formats key the cells by cloud name only.
 */
import type { Command } from 'commander';
import type { Run } from './command-kit';
import { type Shell, collectValues, listOutput } from './context';

export function registerMatrixCommand(program: Command, shell: Shell, run: Run): void {
  listOutput(
    program
      .command('matrix')
      .description('images x clouds: the state of each copy, in one table')
      .option('--name <name>', 'only images with this name')
      .option('--cloud <cloud>', 'only these clouds (repeatable)', collectValues)
      .option('--all-projects', 'every project (administrators)')
      .option('--limit <n>', 'at most this many images'),
  ).action(
    run(async (opts: Record<string, unknown>) => {
      const table = opts.format === undefined || opts.format === 'table';
      const [m, clouds] = await Promise.all([
        shell.client.matrix({
          ...(opts.name ? { name: opts.name as string } : {}),
          ...(opts.cloud ? { clouds: opts.cloud as string[] } : {}),
          ...(opts.allProjects ? { allProjects: true } : {}),
          ...(opts.limit ? { limit: Number(opts.limit) } : {}),
        }),
        // The kinds of the columns, for a table's head: the matrix names its clouds only.
        table ? shell.client.clouds.list() : Promise.resolve([]),
      ]);
      const cloudNames = m.clouds.map((c) => c.name);
      const types = new Map(clouds.map((c) => [c.id, c.type]));
      const headers = Object.fromEntries(
        m.clouds.map((c) => [c.name, types.has(c.id) ? `${c.name} (${types.get(c.id)})` : c.name]),
      );
      const rows = m.images.map((i) => ({
        Image: i.name,
        ID: i.id,
        ...Object.fromEntries(
          cloudNames.map((c) => [c, table ? symbol(i.cells[c] ?? null) : (i.cells[c] ?? null)]),
        ),
      }));
      shell.printList(['Image', 'ID', ...cloudNames], rows, opts, headers);
      if (table && rows.length > 0) {
        shell.err.write(
          '  ok = active   .. = queued/copying   !! = error   ?? = missing/mismatch   - = no copy\n',
        );
      }
    }),
  );
}

/** A matrix cell for a person: the state, marked so that problems stand out. */
function symbol(state: string | null): string {
  if (state === null) return '-';
  if (state === 'active') return 'ok';
  if (['queued', 'copying', 'deleting'].includes(state)) return `.. ${state}`;
  if (['missing', 'mismatch'].includes(state)) return `?? ${state}`;
  return `!! ${state}`;
}
