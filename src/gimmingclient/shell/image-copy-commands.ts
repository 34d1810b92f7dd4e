/**
 * `gimming image set|sync|set-clouds|refresh|link|unlink`: change an image, the clouds it is in, its copies.
 */
import type { Command } from 'commander';
import { ON_CONFLICT_HELP, type Run, bandwidthOption, onConflictOption } from './command-kit';
import { type Shell, collectValues, showOutput } from './context';
import { follow, locationTasks } from './follow';
import { imageFields } from './image-views';
import { type Row, UsageError } from './output';
import type { PlanView } from '../client';

const PLAN_COLUMNS = ['Cloud', 'Source', 'Path', 'Conversion', 'Bytes', 'Refused', 'Reason'];

/** One target of a plan as a table row: how its copy would be made, or why it cannot be. */
export function planRow(t: PlanView['plan']['targets'][number]): Row {
  return {
    Cloud: t.cloud,
    Source: t.source_cloud ?? (t.path === 'agent' || t.path === 'agent+convert' ? '(staged data)' : ''),
    Path: t.path ?? 'refused',
    Conversion: t.conversion ? `${t.conversion.from} -> ${t.conversion.to}` : '',
    Bytes: t.bytes,
    Refused: t.refused ? `${t.refused.code}: ${t.refused.message}` : '',
    // Why this path (a refused target's reason is its refusal); a server before reasons sends none.
    Reason: t.reason ?? '',
  };
}

export function registerImageCopyCommands(image: Command, shell: Shell, run: Run): void {
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
      .option('--dry-run', 'only tell how each copy would be made, or why it cannot be; change nothing')
      .option('--max-bandwidth <rate>', 'hold each copy to this: bytes/s, or 100M, 80MiB/s, 1Gbit')
      .option('--on-conflict <policy>', ON_CONFLICT_HELP, collectValues)
      .option(
        '--incremental-from <image>',
        'an earlier version of the image (name or ID): targets holding a copy of it get only the blocks ' +
          'that differ',
      )
      .option('--wait', 'follow the copies until they end'),
  ).action(
    run(async (ref: string, opts: Record<string, unknown>) => {
      const onConflict = onConflictOption(opts.onConflict as string[] | undefined);
      const incremental = opts.incrementalFrom
        ? { incrementalFrom: await shell.imageId(opts.incrementalFrom as string) }
        : {};
      if (opts.dryRun) {
        const { plan } = await shell.client.images.planSync(
          await shell.imageId(ref),
          opts.target as string[],
          onConflict,
          incremental,
        );
        shell.printList(PLAN_COLUMNS, plan.targets.map(planRow), opts);
        return plan.targets.some((t) => t.refused) ? 1 : 0;
      }
      const synced = await shell.client.images.sync(await shell.imageId(ref), opts.target as string[], {
        ...(opts.maxBandwidth ? { maxBandwidth: bandwidthOption(opts.maxBandwidth as string) } : {}),
        ...(onConflict ? { onConflict } : {}),
        ...incremental,
      });
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
}
