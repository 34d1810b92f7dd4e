/**
 * `gimming image member list|add|remove`: the projects an image is shared with.
 */
import type { Command } from 'commander';
import type { Run } from './command-kit';
import { type Shell, listOutput, showOutput } from './context';

export function registerImageMemberCommands(image: Command, shell: Shell, run: Run): void {
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
}
