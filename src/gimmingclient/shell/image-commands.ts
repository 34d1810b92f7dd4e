/**
 * `gimming image list|show|create|upload|adopt|delete`.
 */
import type { Command } from 'commander';
import { type ImageView, type OnConflict, collect } from '../client';
import { loadImages, saveImages } from './cache';
import {
  ON_CONFLICT_HELP,
  type Run,
  bandwidthOption,
  keyValues,
  onConflictOption,
  reportError,
} from './command-kit';
import { type Shell, collectValues, listOutput, showOutput } from './context';
import { follow, followImage, locationTasks, tasksOf } from './follow';
import { IMAGE_COLUMNS, IMAGE_LONG, imageFields, imageRow } from './image-views';
import { UsageError } from './output';
import { ProgressBar } from './progress';

export function registerImageCommands(image: Command, shell: Shell, run: Run): void {
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
      .option('--max-bandwidth <rate>', 'hold each copy to this: bytes/s, or 100M, 80MiB/s, 1Gbit')
      .option('--on-conflict <policy>', ON_CONFLICT_HELP, collectValues)
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
        ...(opts.maxBandwidth ? { maxBandwidth: bandwidthOption(opts.maxBandwidth as string) } : {}),
        ...conflictArg(opts),
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
      .option('--on-conflict <policy>', ON_CONFLICT_HELP, collectValues)
      .option('--wait', 'follow the copies until they end'),
  ).action(
    run(async (remoteId: string, opts: Record<string, unknown>) => {
      const adopted = await shell.client.images.adopt({
        cloud: opts.cloud as string,
        imageId: remoteId,
        targets: (opts.target as string[] | undefined) ?? [],
        ...(opts.name ? { name: opts.name as string } : {}),
        ...(opts.visibility ? { visibility: opts.visibility as never } : {}),
        ...conflictArg(opts),
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

/** `--on-conflict` of create and adopt (API 1.7), as the SDK takes it. */
function conflictArg(opts: Record<string, unknown>): { onConflict?: OnConflict } {
  const onConflict = onConflictOption(opts.onConflict as string[] | undefined);
  return onConflict ? { onConflict } : {};
}
