/**
 * The commands: `gimming <object> <verb>`, as the openstack client names them, one module per object.
 */
import type { Command } from 'commander';
import { registerCloudCommands } from './cloud-commands';
import { registerFamilyCommands } from './family-commands';
import { makeRun } from './command-kit';
import type { Shell } from './context';
import { registerImageCommands } from './image-commands';
import { registerImageCopyCommands } from './image-copy-commands';
import { registerImageMemberCommands } from './image-member-commands';
import { registerMatrixCommand } from './matrix-command';
import { registerTaskCommands } from './task-commands';
import { registerWebhookCommands } from './webhook-commands';

export { reportError } from './command-kit';

export function registerCommands(program: Command, shell: Shell, setExit: (code: number) => void): void {
  const run = makeRun(setExit);
  registerCloudCommands(program, shell, run);
  const image = program.command('image').description('images kept in many clouds');
  registerImageCommands(image, shell, run);
  registerImageCopyCommands(image, shell, run);
  registerImageMemberCommands(image, shell, run);
  registerTaskCommands(program, shell, run);
  registerMatrixCommand(program, shell, run);
  registerWebhookCommands(program, shell, run);
  registerFamilyCommands(program, shell, run);
}
