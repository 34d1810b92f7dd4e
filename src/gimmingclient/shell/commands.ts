/**
 * The commands: `gimming <object> <verb>`, as the openstack client names them.
 */
import type { Command } from 'commander';
import { type CloudView, type ImageView, type TaskView, collect } from '../client';
import { GimmingClientError } from '../errors';
import { loadImages, saveImages } from './cache';
import { type Shell, collectValues, formatOptions, listOutput, showOutput } from './context';
import type { Row } from './output';
import { UsageError } from './output';
import { ProgressBar, TaskBoard } from './progress';

const CLOUD_COLUMNS = ['ID', 'Name', 'Type', 'Region', 'Zone', 'Scope', 'Agents Up'];
const CLOUD_LONG = ['Owner', 'Created At'];

function keyValues(pairs: string[] | undefined, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const at = pair.indexOf('=');
    if (at < 1) throw new UsageError(`${what} must be key=value, not ${pair}.`);
    out[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return out;
}

function locationsCell(image: ImageView): string {
  return image.locations.map((l) => `${l.cloud}=${l.status}`).join(', ');
}

function imageRow(i: ImageView): Row {
  return {
    ID: i.id,
    Name: i.name,
    Status: i.status,
    Locations: locationsCell(i),
    Visibility: i.visibility,
    Size: i.size,
    'Disk Format': i.disk_format,
    Owner: i.owner,
    Checksum: i.checksum,
    'Created At': i.created_at,
    Properties: i.properties,
  };
}

const IMAGE_COLUMNS = ['ID', 'Name', 'Status', 'Locations'];
const IMAGE_LONG = ['Visibility', 'Size', 'Disk Format', 'Owner', 'Checksum', 'Created At', 'Properties'];

function imageFields(i: ImageView): Row {
  return {
    id: i.id,
    name: i.name,
    status: i.status,
    visibility: i.visibility,
    owner: i.owner,
    size: i.size,
    checksum: i.checksum,
    os_hash_algo: i.os_hash_algo,
    os_hash_value: i.os_hash_value,
    disk_format: i.disk_format,
    container_format: i.container_format,
    min_disk: i.min_disk,
    min_ram: i.min_ram,
    properties: i.properties,
    locations: i.locations.map(
      (l) =>
        `${l.cloud}: ${l.status}${l.image_id ? ` (${l.image_id})` : ''}${l.proof === 'unverified' ? ' [unverified]' : l.proof === 'converted' ? ' [converted]' : ''}${l.remote_error ? ` [${l.remote_error.code}]` : ''}`,
    ),
    ...(i.available_in ? { available_in: i.available_in.join(', ') } : {}),
    created_at: i.created_at,
    updated_at: i.updated_at,
  };
}

/** A cloud as `cloud show` prints it in a table: what its kind of cloud can do, one line each. */
function cloudFields(c: CloudView): Row {
  const { capabilities, created_at, updated_at, ...rest } = c;
  const lines = capabilities
    ? Object.entries(capabilities).map(
        ([key, value]) => `${key}: ${Array.isArray(value) ? value.join(', ') || '-' : String(value)}`,
      )
    : null;
  return { ...rest, capabilities: lines, created_at, updated_at };
}

const TASK_COLUMNS = ['ID', 'Type', 'Image', 'Cloud', 'Status', 'Progress'];
const TASK_LONG = [
  'Source',
  'Bytes Done',
  'Bytes Total',
  'Rate',
  'ETA',
  'Error',
  'Created At',
  'Finished At',
];

function taskRow(t: TaskView): Row {
  return {
    ID: t.id,
    Type: t.type,
    Image: t.image_id,
    Cloud: t.cloud,
    Status: t.status,
    Progress: t.progress === null ? '' : `${t.progress}%`,
    Source: t.source_cloud,
    'Bytes Done': t.bytes_done,
    'Bytes Total': t.bytes_total,
    Rate: t.rate,
    ETA: t.eta_seconds,
    Error: t.error ? `${t.error.code}: ${t.error.message}` : '',
    'Created At': t.created_at,
    'Finished At': t.finished_at,
  };
}

function taskFields(t: TaskView): Row {
  return { ...t, error: t.error ? `${t.error.code}: ${t.error.message}` : null };
}

/** Follows tasks to their end; non-zero when any of them did not succeed. */
async function follow(shell: Shell, taskIds: string[]): Promise<number> {
  if (taskIds.length === 0) return 0;
  const board = new TaskBoard(shell.err);
  const tasks = await shell.client.tasks.wait(taskIds, { onUpdate: (t) => board.update(t) });
  if (!shell.err.isTTY) for (const t of tasks) shell.err.write(`${TaskBoard.line(t)}\n`);
  const failed = tasks.filter((t) => t.status !== 'succeeded');
  if (failed.length > 0) {
    shell.err.write(`${failed.length} of ${tasks.length} tasks did not succeed.\n`);
    return 1;
  }
  return 0;
}

/** The image's tasks (all of them, or those not ended yet), optionally of one type. */
async function tasksOf(
  shell: Shell,
  imageId: string,
  opts: { all?: boolean; type?: string; except?: string[] } = {},
): Promise<string[]> {
  const tasks = await collect(shell.client.tasks.list({ imageId }));
  return tasks
    .filter((t) => opts.all || !['succeeded', 'failed', 'cancelled'].includes(t.status))
    .filter((t) => !opts.type || t.type === opts.type)
    .filter((t) => !opts.except?.includes(t.id))
    .map((t) => t.id);
}

export function registerCommands(program: Command, shell: Shell, setExit: (code: number) => void): void {
  const run =
    <A extends unknown[]>(fn: (...args: A) => Promise<number | void>) =>
    async (...args: A) => {
      const code = await fn(...args);
      if (typeof code === 'number') setExit(code);
    };

  // cloud ------------------------------------------------------------------------------------------------
  const cloud = program.command('cloud').description('clouds GIMinG keeps images in');
  listOutput(cloud.command('list').description('list clouds').option('--long', 'more columns')).action(
    run(async (opts: Record<string, unknown>) => {
      const clouds = await shell.client.clouds.list();
      const rows = clouds.map((c) => ({
        ID: c.id,
        Name: c.name,
        Type: c.type,
        Region: c.region_name,
        Zone: c.zone,
        Scope: c.scope,
        'Agents Up': c.agents_up,
        Owner: c.owner,
        'Created At': c.created_at,
      }));
      shell.printList(opts.long ? [...CLOUD_COLUMNS, ...CLOUD_LONG] : CLOUD_COLUMNS, rows, opts);
    }),
  );
  showOutput(cloud.command('show').description('show a cloud').argument('<cloud>', 'name or ID')).action(
    run(async (ref: string, opts: Record<string, unknown>) => {
      const shown = await shell.client.clouds.get(ref);
      // A table shows the capabilities one per line; JSON and YAML keep them as the API gives them.
      shell.printOne(formatOptions(opts).format === 'table' ? cloudFields(shown) : { ...shown }, opts);
    }),
  );
  showOutput(
    cloud
      .command('create')
      .description("register a shared cloud (administrators), or one of your project's (--project)")
      .argument('<name>', 'the cloud name')
      .requiredOption('--region <region>', 'the region of its image endpoint in the Keystone catalog')
      .option('--zone <zone>', 'the zone of the agents that serve it (default: the name)')
      .option('--type <type>', 'the cloud type', 'openstack')
      .option('--project', "a cloud of your project's own, not shared")
      .option('--auth-url <url>', "the cloud's own identity service (project clouds)")
      .option('--credentials-ref <secret>', 'the key-manager secret (UUID or href) holding its credentials'),
  ).action(
    run(async (name: string, opts: Record<string, unknown>) => {
      const created = await shell.client.clouds.create({
        name,
        regionName: opts.region as string,
        type: opts.type as string,
        ...(opts.zone ? { zone: opts.zone as string } : {}),
        ...(opts.project ? { project: true } : {}),
        ...(opts.authUrl ? { authUrl: opts.authUrl as string } : {}),
        ...(opts.credentialsRef ? { credentialsRef: opts.credentialsRef as string } : {}),
      });
      shell.printOne(created, opts);
    }),
  );
  cloud
    .command('delete')
    .description('remove clouds that hold no tracked copy (shared ones: administrators)')
    .argument('<cloud...>', 'names or IDs')
    .action(
      run(async (refs: string[]) => {
        let failed = 0;
        for (const ref of refs) {
          try {
            await shell.client.clouds.delete(ref);
          } catch (err) {
            failed += 1;
            reportError(shell, err, `Failed to delete cloud ${ref}`);
          }
        }
        return failed > 0 ? 1 : 0;
      }),
    );
  const cloudImage = cloud.command('image').description("a cloud's own images");
  listOutput(
    cloudImage
      .command('list')
      .description('list, live, the images you can see in a cloud, and which GIMinG image tracks each')
      .argument('<cloud>', 'name or ID')
      .option('--limit <n>', 'at most this many images')
      .option('--long', 'more columns'),
  ).action(
    run(async (ref: string, opts: Record<string, unknown>) => {
      const images = await shell.client.clouds.images(ref, opts.limit ? Number(opts.limit) : undefined);
      const rows = images.map((i) => ({
        ID: i.id,
        Name: i.name,
        Status: i.status,
        Size: i.size,
        Visibility: i.visibility,
        'Tracked By': i.tracked_by,
        'Disk Format': i.disk_format,
        'Container Format': i.container_format,
        Owner: i.owner,
        Checksum: i.checksum,
      }));
      const base = ['ID', 'Name', 'Status', 'Size', 'Visibility', 'Tracked By'];
      shell.printList(
        opts.long ? [...base, 'Disk Format', 'Container Format', 'Owner', 'Checksum'] : base,
        rows,
        opts,
      );
    }),
  );

  // image ------------------------------------------------------------------------------------------------
  const image = program.command('image').description('images kept in many clouds');
  listOutput(
    image
      .command('list')
      .description('list images (and keep the listing for --cached)')
      .option('--name <name>', 'with this name')
      .option('--status <status>', 'in this state')
      .option('--visibility <visibility>', 'with this visibility')
      .option('--cloud <cloud>', 'with a copy in this cloud')
      .option('--property <key=value>', 'with this property (repeatable; --cached only)', collectValues)
      .option('--sort <key[:dir]>', 'sort on the server, for example name:desc')
      .option('--limit <n>', 'at most this many images')
      .option('--marker <id>', 'start after this image')
      .option('--all-projects', 'every project (administrators)')
      .option('--cached', 'read the last listing kept locally, without asking the server')
      .option('--long', 'more columns'),
  ).action(
    run(async (opts: Record<string, unknown>) => {
      const columns = opts.long ? [...IMAGE_COLUMNS, ...IMAGE_LONG] : IMAGE_COLUMNS;
      let images: ImageView[];
      if (opts.cached) {
        const cached = loadImages(shell.cloud);
        if (!cached) throw new UsageError('No cached listing yet: run `gimming image list` once first.');
        const age = Math.round((Date.now() - Date.parse(cached.saved_at)) / 1000);
        shell.err.write(`Cached listing from ${cached.saved_at} (${age} s ago).\n`);
        const props = keyValues(opts.property as string[] | undefined, '--property');
        images = cached.images.filter(
          (i) =>
            (!opts.name || i.name === opts.name) &&
            (!opts.status || i.status === opts.status) &&
            (!opts.visibility || i.visibility === opts.visibility) &&
            (!opts.cloud || i.locations.some((l) => l.cloud === opts.cloud || l.cloud_id === opts.cloud)) &&
            Object.entries(props).every(([k, v]) => i.properties?.[k] === v),
        );
        if (opts.limit) images = images.slice(0, Number(opts.limit));
      } else {
        if (opts.property) throw new UsageError('--property filters the cached listing: add --cached.');
        images = await collect(
          shell.client.images.list(
            {
              ...(opts.name ? { name: opts.name as string } : {}),
              ...(opts.status ? { status: opts.status as string } : {}),
              ...(opts.visibility ? { visibility: opts.visibility as never } : {}),
              ...(opts.cloud ? { cloud: opts.cloud as string } : {}),
              ...(opts.sort ? { sort: opts.sort as string } : {}),
            },
            {
              ...(opts.limit ? { limit: Number(opts.limit) } : {}),
              ...(opts.marker ? { marker: opts.marker as string } : {}),
              ...(opts.allProjects ? { allProjects: true } : {}),
            },
          ),
        );
        // Only a full listing of one's own images is worth keeping for later searches.
        if (
          !opts.name &&
          !opts.status &&
          !opts.visibility &&
          !opts.cloud &&
          !opts.limit &&
          !opts.marker &&
          !opts.allProjects
        ) {
          saveImages(shell.cloud, images);
        }
      }
      shell.printList(columns, images.map(imageRow), opts);
    }),
  );
  showOutput(
    image
      .command('show')
      .description('show an image, with what each cloud holds now')
      .argument('<image>', 'name or ID'),
  ).action(
    run(async (ref: string, opts: Record<string, unknown>) => {
      shell.printOne(imageFields(await shell.client.images.get(await shell.imageId(ref))), opts);
    }),
  );
  showOutput(
    image
      .command('create')
      .description('create an image in many clouds, from a file (uploaded once) or a URL (imported)')
      .argument('<name>', 'the image name')
      .requiredOption('--target <cloud>', 'a cloud to make a copy in (repeatable)', collectValues)
      .option('--disk-format <format>', 'disk format', 'raw')
      .option('--container-format <format>', 'container format', 'bare')
      .option('--file <path>', 'upload this file')
      .option('--url <url>', 'import the data from this URL')
      .option('--visibility <visibility>', 'private, shared, community or public')
      .option('--min-disk <gb>', 'minimum disk (GB)')
      .option('--min-ram <mb>', 'minimum RAM (MB)')
      .option('--property <key=value>', 'a property (repeatable)', collectValues)
      .option('--wait', 'follow the copies until they end; non-zero exit if any failed'),
  ).action(
    run(async (name: string, opts: Record<string, unknown>) => {
      if (opts.file && opts.url) throw new UsageError('--file and --url cannot be used together.');
      const created = await shell.client.images.create({
        name,
        diskFormat: opts.diskFormat as string,
        containerFormat: opts.containerFormat as string,
        targets: opts.target as string[],
        ...(opts.visibility ? { visibility: opts.visibility as never } : {}),
        ...(opts.minDisk ? { minDisk: Number(opts.minDisk) } : {}),
        ...(opts.minRam ? { minRam: Number(opts.minRam) } : {}),
        ...(opts.property ? { properties: keyValues(opts.property as string[], '--property') } : {}),
        ...(opts.url ? { url: opts.url as string } : {}),
      });
      if (opts.file) await upload(shell, created.id, opts.file as string);
      let code = 0;
      if (opts.wait) code = await followImage(shell, created.id, !!opts.url);
      // With --wait, the image as the work left it (as the openstack client shows it).
      shell.printOne(imageFields(await shell.client.images.get(created.id)), opts);
      return code;
    }),
  );
  image
    .command('upload')
    .description("send an image's data, once, to every target")
    .argument('<image>', 'name or ID')
    .argument('<file>', 'the data')
    .option('--wait', 'follow the copies until they end')
    .action(
      run(async (ref: string, file: string, opts: Record<string, unknown>) => {
        const id = await shell.imageId(ref);
        const before = await tasksOf(shell, id, { all: true });
        await upload(shell, id, file);
        if (opts.wait) return follow(shell, await tasksOf(shell, id, { all: true, except: before }));
        return 0;
      }),
    );
  showOutput(
    image
      .command('adopt')
      .description('track an image that lives in one cloud, and copy it to others')
      .argument('<remote-id>', 'the image ID in the source cloud')
      .requiredOption('--cloud <cloud>', 'the cloud that holds it')
      .option('--target <cloud>', 'a cloud to copy it to (repeatable)', collectValues)
      .option('--name <name>', 'a name (default: the source image name)')
      .option('--visibility <visibility>', 'private, shared, community or public')
      .option('--wait', 'follow the copies until they end'),
  ).action(
    run(async (remoteId: string, opts: Record<string, unknown>) => {
      const adopted = await shell.client.images.adopt({
        cloud: opts.cloud as string,
        imageId: remoteId,
        targets: (opts.target as string[] | undefined) ?? [],
        ...(opts.name ? { name: opts.name as string } : {}),
        ...(opts.visibility ? { visibility: opts.visibility as never } : {}),
      });
      if (!opts.wait) {
        shell.printOne(imageFields(adopted), opts);
        return 0;
      }
      const code = await follow(shell, locationTasks(adopted));
      shell.printOne(imageFields(await shell.client.images.get(adopted.id)), opts);
      return code;
    }),
  );
  image
    .command('delete')
    .description('forget images, or delete them from every cloud')
    .argument('<image...>', 'names or IDs')
    .option('--delete-remote', 'delete every copy from its cloud too (a task per copy)')
    .option('--wait', 'follow the delete tasks until they end')
    .action(
      run(async (refs: string[], opts: Record<string, unknown>) => {
        let failed = 0;
        const taskIds: string[] = [];
        for (const ref of refs) {
          try {
            const result = await shell.client.images.delete(await shell.imageId(ref), {
              deleteRemote: opts.deleteRemote === true,
            });
            if (result) taskIds.push(...result.tasks.map((t) => t.id));
          } catch (err) {
            failed += 1;
            reportError(shell, err, `Failed to delete image ${ref}`);
          }
        }
        const waited = opts.wait ? await follow(shell, taskIds) : 0;
        return failed > 0 ? 1 : waited;
      }),
    );
  showOutput(
    image
      .command('set')
      .description("change an image's name or visibility, in every copy")
      .argument('<image>', 'name or ID')
      .option('--name <name>', 'a new name')
      .option('--visibility <visibility>', 'private, shared, community or public'),
  ).action(
    run(async (ref: string, opts: Record<string, unknown>) => {
      if (!opts.name && !opts.visibility)
        throw new UsageError('Nothing to change: give --name or --visibility.');
      const updated = await shell.client.images.update(await shell.imageId(ref), {
        ...(opts.name ? { name: opts.name as string } : {}),
        ...(opts.visibility ? { visibility: opts.visibility as never } : {}),
      });
      shell.printOne(imageFields(updated), opts);
    }),
  );
  showOutput(
    image
      .command('sync')
      .description('copy an image to more clouds, or retry failed copies')
      .argument('<image>', 'name or ID')
      .requiredOption('--target <cloud>', 'a cloud (repeatable)', collectValues)
      .option('--wait', 'follow the copies until they end'),
  ).action(
    run(async (ref: string, opts: Record<string, unknown>) => {
      const synced = await shell.client.images.sync(await shell.imageId(ref), opts.target as string[]);
      if (!opts.wait) {
        shell.printOne(imageFields(synced), opts);
        return 0;
      }
      const code = await follow(shell, locationTasks(synced));
      shell.printOne(imageFields(await shell.client.images.get(synced.id)), opts);
      return code;
    }),
  );
  showOutput(
    image
      .command('set-clouds')
      .description(
        'set the clouds an image should be in: copy it to the new ones, delete its copies in the others',
      )
      .argument('<image>', 'name or ID')
      .argument('[clouds...]', 'every cloud the image should be in (names or IDs)')
      .option('--dry-run', 'only tell what would be copied, deleted or refused')
      .option('--wait', 'follow the copies until they end'),
  ).action(
    run(async (ref: string, clouds: string[], opts: Record<string, unknown>) => {
      const plan = await shell.client.images.setTargets(await shell.imageId(ref), clouds, {
        dryRun: opts.dryRun === true,
      });
      const list = (names: string[]) => (names.length > 0 ? names.join(', ') : '-');
      shell.printOne(
        {
          image_id: plan.image_id,
          dry_run: plan.dry_run,
          keep: list(plan.keep),
          add: list(plan.add),
          remove: list(plan.remove),
          refused: plan.refused.length > 0 ? plan.refused.map((r) => r.message).join(' ') : '-',
        },
        opts,
      );
      if (plan.dry_run) return plan.refused.length > 0 ? 1 : 0;
      return opts.wait
        ? follow(
            shell,
            plan.tasks.map((t) => t.task_id),
          )
        : 0;
    }),
  );
  showOutput(
    image
      .command('refresh')
      .description('check every copy against its cloud now')
      .argument('<image>', 'name or ID'),
  ).action(
    run(async (ref: string, opts: Record<string, unknown>) => {
      shell.printOne(imageFields(await shell.client.images.refresh(await shell.imageId(ref))), opts);
    }),
  );
  showOutput(
    image
      .command('link')
      .description('link a copy that already exists in a cloud')
      .argument('<image>', 'name or ID')
      .argument('<cloud>', 'the cloud that holds the copy')
      .argument('<remote-id>', 'the image ID in that cloud')
      .option(
        '--accept-unverified',
        "link it even if nothing proves it holds the image's bytes (it shows as unverified)",
      ),
  ).action(
    run(async (ref: string, cloudRef: string, remoteId: string, opts: Record<string, unknown>) => {
      const linked = await shell.client.images.link(await shell.imageId(ref), cloudRef, remoteId, {
        acceptUnverified: opts.acceptUnverified === true,
      });
      shell.printOne(linked, opts);
    }),
  );
  image
    .command('unlink')
    .description("forget an image's copy in a cloud, or delete it there")
    .argument('<image>', 'name or ID')
    .argument('<cloud>', 'name or ID')
    .option('--delete-remote', 'delete the copy from the cloud too')
    .action(
      run(async (ref: string, cloudRef: string, opts: Record<string, unknown>) => {
        await shell.client.images.unlink(await shell.imageId(ref), cloudRef, {
          deleteRemote: opts.deleteRemote === true,
        });
      }),
    );
  const member = image.command('member').description('projects an image is shared with');
  listOutput(
    member
      .command('list')
      .description('list the projects an image is shared with')
      .argument('<image>', 'name or ID'),
  ).action(
    run(async (ref: string, opts: Record<string, unknown>) => {
      const members = await shell.client.images.members.list(await shell.imageId(ref));
      const rows = members.map((m) => ({
        'Member ID': m.member_id,
        'Image ID': m.image_id,
        Status: m.copies.map((c) => `${c.cloud}=${c.status ?? (c.error ? c.error.code : 'none')}`).join(', '),
        'Created At': m.created_at,
      }));
      shell.printList(['Member ID', 'Image ID', 'Status', 'Created At'], rows, opts);
    }),
  );
  showOutput(
    member
      .command('add')
      .description('share an image with a project, in every copy')
      .argument('<image>', 'name or ID')
      .argument('<project>', 'the project ID'),
  ).action(
    run(async (ref: string, project: string, opts: Record<string, unknown>) => {
      const added = await shell.client.images.members.add(await shell.imageId(ref), project);
      shell.printOne(
        {
          member_id: added.member_id,
          image_id: added.image_id,
          status: added.copies
            .map((c) => `${c.cloud}=${c.status ?? (c.error ? c.error.code : 'none')}`)
            .join(', '),
          created_at: added.created_at,
        },
        opts,
      );
    }),
  );
  member
    .command('remove')
    .description('stop sharing an image with a project, in every copy')
    .argument('<image>', 'name or ID')
    .argument('<project>', 'the project ID')
    .action(
      run(async (ref: string, project: string) => {
        await shell.client.images.members.remove(await shell.imageId(ref), project);
      }),
    );

  // task -------------------------------------------------------------------------------------------------
  const task = program.command('task').description('the work GIMinG does: copies, imports, deletes');
  listOutput(
    task
      .command('list')
      .description('list tasks')
      .option('--image <image>', 'of this image (name or ID)')
      .option('--status <status>', 'in this state')
      .option('--cloud <cloud>', 'for this cloud')
      .option('--limit <n>', 'at most this many tasks')
      .option('--marker <id>', 'start after this task')
      .option('--all-projects', 'every project (administrators)')
      .option('--long', 'more columns'),
  ).action(
    run(async (opts: Record<string, unknown>) => {
      const tasks = await collect(
        shell.client.tasks.list(
          {
            ...(opts.image ? { imageId: await shell.imageId(opts.image as string) } : {}),
            ...(opts.status ? { status: opts.status as string } : {}),
            ...(opts.cloud ? { cloud: opts.cloud as string } : {}),
          },
          {
            ...(opts.limit ? { limit: Number(opts.limit) } : {}),
            ...(opts.marker ? { marker: opts.marker as string } : {}),
            ...(opts.allProjects ? { allProjects: true } : {}),
          },
        ),
      );
      shell.printList(opts.long ? [...TASK_COLUMNS, ...TASK_LONG] : TASK_COLUMNS, tasks.map(taskRow), opts);
    }),
  );
  showOutput(task.command('show').description('show a task').argument('<task>', 'the task ID')).action(
    run(async (id: string, opts: Record<string, unknown>) => {
      shell.printOne(taskFields(await shell.client.tasks.get(id)), opts);
    }),
  );
  task
    .command('cancel')
    .description('cancel pending or running tasks')
    .argument('<task...>', 'task IDs')
    .option('--wait', 'wait until they have stopped')
    .action(
      run(async (ids: string[], opts: Record<string, unknown>) => {
        let failed = 0;
        for (const id of ids) {
          try {
            await shell.client.tasks.cancel(id);
          } catch (err) {
            failed += 1;
            reportError(shell, err, `Failed to cancel task ${id}`);
          }
        }
        if (opts.wait) await shell.client.tasks.wait(ids);
        return failed > 0 ? 1 : 0;
      }),
    );

  // matrix -----------------------------------------------------------------------------------------------
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
      const m = await shell.client.matrix({
        ...(opts.name ? { name: opts.name as string } : {}),
        ...(opts.cloud ? { clouds: opts.cloud as string[] } : {}),
        ...(opts.allProjects ? { allProjects: true } : {}),
        ...(opts.limit ? { limit: Number(opts.limit) } : {}),
      });
      const cloudNames = m.clouds.map((c) => c.name);
      const table = opts.format === undefined || opts.format === 'table';
      const rows = m.images.map((i) => ({
        Image: i.name,
        ID: i.id,
        ...Object.fromEntries(
          cloudNames.map((c) => [c, table ? symbol(i.cells[c] ?? null) : (i.cells[c] ?? null)]),
        ),
      }));
      shell.printList(['Image', 'ID', ...cloudNames], rows, opts);
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

function locationTasks(image: ImageView): string[] {
  return image.locations
    .filter((l) => l.task_id && ['queued', 'copying'].includes(l.status))
    .map((l) => l.task_id as string);
}

/** After create: the import (for a URL), then every copy; the image's tasks are all this work's. */
async function followImage(shell: Shell, imageId: string, importing: boolean): Promise<number> {
  if (importing) {
    // The import queues the copies when it is done: follow it first, then them.
    const imports = await tasksOf(shell, imageId, { all: true, type: 'import' });
    const code = await follow(shell, imports);
    if (code !== 0) return code;
    return follow(shell, await tasksOf(shell, imageId, { all: true, except: imports }));
  }
  return follow(shell, await tasksOf(shell, imageId, { all: true }));
}

async function upload(shell: Shell, id: string, file: string): Promise<void> {
  const { statSync } = await import('node:fs');
  const size = statSync(file).size;
  const bar = new ProgressBar('Uploading', size, shell.err);
  let sent = 0;
  await shell.client.images.upload(id, file, {
    size,
    onProgress: (bytes) => {
      sent = bytes;
      bar.update(bytes);
    },
  });
  bar.finish(sent);
}

export function reportError(shell: Shell, err: unknown, prefix?: string): void {
  const what = prefix ? `${prefix}: ` : '';
  if (err instanceof GimmingClientError) {
    const status = err.status ? ` (HTTP ${err.status})` : '';
    const rid = err.requestId ? ` (Request-ID: ${err.requestId})` : '';
    shell.err.write(`${what}${err.message}${status}${rid}\n`);
  } else {
    shell.err.write(`${what}${err instanceof Error ? err.message : String(err)}\n`);
  }
}
