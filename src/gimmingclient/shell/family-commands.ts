/**
 * `gimming family ...` and `gimming channel ...` (REST microversion 1.2): image families, their versions
 * and lifecycle, and the channels that point at versions. A version is named by its sequence number, its
 * label or its ID.
 */
import type { Command } from 'commander';
import type { FamilyVersionView, FamilyView, LifecycleState } from '../client';
import type { Run } from './command-kit';
import { type Shell, formatOptions, listOutput, showOutput } from './context';
import { type Row, UsageError } from './output';

const VERSION_COLUMNS = ['Version', 'Label', 'Image', 'Lifecycle', 'Channels', 'Parent'];
const VERSION_LONG = ['Scheduled', 'Propagated', 'Created At'];

function versionRow(v: FamilyVersionView): Row {
  return {
    Version: v.sequence,
    Label: v.label,
    Image: v.image_id,
    Lifecycle: v.lifecycle,
    Channels: v.channels.join(', '),
    Parent: v.parent,
    Scheduled: v.scheduled
      ? `${v.scheduled.state} at ${v.scheduled.at}${v.scheduled.cascade ? ' (cascade)' : ''}`
      : '',
    Propagated: v.propagated ? 'yes' : `no: ${v.propagation_error ?? ''}`,
    'Created At': v.created_at,
  };
}

/** A family as `family show` prints it in a table: its versions and channels one per line. */
function familyFields(f: FamilyView): Row {
  const { versions, channels, created_at, updated_at, ...rest } = f;
  return {
    ...rest,
    versions: versions.map(
      (v) => `${v.sequence}${v.label ? ` (${v.label})` : ''}: ${v.image_id} ${v.lifecycle}`,
    ),
    channels: channels.map((c) => `${c.name}: ${c.version ?? '-'}`),
    created_at,
    updated_at,
  };
}

const STATES: Array<[string, LifecycleState]> = [
  ['deprecate', 'deprecated'],
  ['obsolete', 'obsolete'],
  ['revoke', 'revoked'],
  ['restore', 'active'],
];

export function registerFamilyCommands(program: Command, shell: Shell, run: Run): void {
  const family = program.command('family').description('image families: ordered versions of one image');
  showOutput(
    family
      .command('create')
      .description('create an image family in your project')
      .argument('<name>', 'the family name')
      .option('--description <text>', 'what the family is'),
  ).action(
    run(async (name: string, opts: Record<string, unknown>) => {
      const made = await shell.client.families.create({
        name,
        ...(opts.description ? { description: opts.description as string } : {}),
      });
      shell.printOne(familyFields(made), opts);
    }),
  );
  listOutput(
    family
      .command('list')
      .description('list image families')
      .option('--all-projects', "every project's (administrators)"),
  ).action(
    run(async (opts: Record<string, unknown>) => {
      const families = await shell.client.families.list({ allProjects: opts.allProjects === true });
      const latest = (f: FamilyView) => f.channels.find((c) => c.name === 'latest')?.version ?? null;
      shell.printList(
        ['ID', 'Name', 'Versions', 'Latest', 'Owner'],
        families.map((f) => ({
          ID: f.id,
          Name: f.name,
          Versions: f.versions.length,
          Latest: latest(f),
          Owner: f.owner,
        })),
        opts,
      );
    }),
  );
  showOutput(family.command('show').description('show a family').argument('<family>', 'name or ID')).action(
    run(async (ref: string, opts: Record<string, unknown>) => {
      const shown = await shell.client.families.get(ref);
      shell.printOne(formatOptions(opts).format === 'table' ? familyFields(shown) : { ...shown }, opts);
    }),
  );
  family
    .command('delete')
    .description('forget a family, its versions and channels (the images stay)')
    .argument('<family>', 'name or ID')
    .action(
      run(async (ref: string) => {
        await shell.client.families.delete(ref);
      }),
    );

  const version = family.command('version').description("a family's versions");
  showOutput(
    version
      .command('add')
      .description("add an image as the family's newest version")
      .argument('<family>', 'name or ID')
      .argument('<image>', 'the GIMinG image ID')
      .option('--label <label>', 'a name for the version besides its number (such as 20261203)')
      .option('--parent <version>', 'the version it was built from'),
  ).action(
    run(async (ref: string, imageId: string, opts: Record<string, unknown>) => {
      const added = await shell.client.families.addVersion(ref, {
        imageId,
        ...(opts.label ? { label: opts.label as string } : {}),
        ...(opts.parent ? { parent: opts.parent as string } : {}),
      });
      shell.printOne({ ...added }, opts);
    }),
  );
  listOutput(
    version
      .command('list')
      .description("list a family's versions")
      .argument('<family>', 'name or ID')
      .option('--long', 'more columns'),
  ).action(
    run(async (ref: string, opts: Record<string, unknown>) => {
      const shown = await shell.client.families.get(ref);
      shell.printList(
        opts.long ? [...VERSION_COLUMNS, ...VERSION_LONG] : VERSION_COLUMNS,
        shown.versions.map(versionRow),
        opts,
      );
    }),
  );
  let set = version
    .command('set')
    .description("set a version's lifecycle in every cloud, now or at a time")
    .argument('<family>', 'name or ID')
    .argument('<version>', 'number, label or ID');
  for (const [flag, state] of STATES) set = set.option(`--${flag}`, `make the version ${state}`);
  listOutput(
    set
      .option('--at <time>', 'an ISO 8601 time (2026-12-24T00:00:00Z): the change waits until then')
      .option('--cascade', 'with --revoke: revoke the versions built from this one too'),
  ).action(
    run(async (ref: string, v: string, opts: Record<string, unknown>) => {
      const chosen = STATES.filter(([flag]) => opts[flag] === true);
      if (chosen.length !== 1)
        throw new UsageError('Give one of --deprecate, --obsolete, --revoke or --restore.');
      const state = (chosen[0] as [string, LifecycleState])[1];
      const change = await shell.client.families.setLifecycle(ref, v, state, {
        ...(opts.at ? { at: opts.at as string } : {}),
        ...(opts.cascade ? { cascade: true } : {}),
      });
      shell.printList([...VERSION_COLUMNS, 'Scheduled', 'Propagated'], change.versions.map(versionRow), opts);
      return change.copies.some((c) => c.error) ? 1 : 0;
    }),
  );

  const channel = program.command('channel').description('channels of an image family (latest, stable...)');
  listOutput(
    channel.command('list').description("list a family's channels").argument('<family>', 'name or ID'),
  ).action(
    run(async (ref: string, opts: Record<string, unknown>) => {
      const channels = await shell.client.families.channels(ref);
      shell.printList(
        ['Name', 'Version', 'Managed', 'Updated At'],
        channels.map((c) => ({
          Name: c.name,
          Version: c.version,
          Managed: c.managed,
          'Updated At': c.updated_at,
        })),
        opts,
      );
    }),
  );
  showOutput(
    channel
      .command('promote')
      .description('point a channel at a version (the channel is made if it is new)')
      .argument('<family>', 'name or ID')
      .argument('<channel>', 'the channel name')
      .argument('<version>', 'number, label or ID'),
  ).action(
    run(async (ref: string, name: string, v: string, opts: Record<string, unknown>) => {
      shell.printOne({ ...(await shell.client.families.promote(ref, name, v)) }, opts);
    }),
  );
  showOutput(
    channel
      .command('rollback')
      .description('point a channel back at the version it had before its last promotion')
      .argument('<family>', 'name or ID')
      .argument('<channel>', 'the channel name'),
  ).action(
    run(async (ref: string, name: string, opts: Record<string, unknown>) => {
      shell.printOne({ ...(await shell.client.families.rollback(ref, name)) }, opts);
    }),
  );
  listOutput(
    channel
      .command('history')
      .description("a channel's moves, newest first")
      .argument('<family>', 'name or ID')
      .argument('<channel>', 'the channel name'),
  ).action(
    run(async (ref: string, name: string, opts: Record<string, unknown>) => {
      const history = await shell.client.families.history(ref, name);
      shell.printList(
        ['Action', 'Version', 'Previous Version', 'User', 'Created At'],
        history.map((h) => ({
          Action: h.action,
          Version: h.version,
          'Previous Version': h.previous_version,
          User: h.user_id,
          'Created At': h.created_at,
        })),
        opts,
      );
    }),
  );
  listOutput(
    channel
      .command('resolve')
      .description("the image ID of the channel's version in each cloud")
      .argument('<family>', 'name or ID')
      .argument('<channel>', 'the channel name')
      .option('--cloud <cloud>', 'in this cloud only'),
  ).action(
    run(async (ref: string, name: string, opts: Record<string, unknown>) => {
      const resolved = await shell.client.families.resolve(ref, name, opts.cloud as string | undefined);
      shell.printList(
        ['Cloud', 'Type', 'Region', 'ID', 'Version', 'Image'],
        resolved.clouds.map((c) => ({
          Cloud: c.cloud,
          Type: c.type,
          Region: c.region_name,
          ID: c.remote_id,
          Version: resolved.version,
          Image: resolved.image_id,
        })),
        opts,
      );
    }),
  );
}
