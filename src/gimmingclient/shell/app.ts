/**
 * `gimming [global options] <object> <verb> [args]`: the openstack client's grammar for GIMinG.
 */
import { Command, CommanderError, Option } from 'commander';
import { VERSION } from '../../common/version';
import { registerCommands, reportError } from './commands';
import { Shell } from './context';
import { UsageError } from './output';

const GLOBAL_OPTIONS: Array<[string, string, string]> = [
  ['--os-cloud <name>', 'a cloud of clouds.yaml', 'OS_CLOUD'],
  ['--os-auth-url <url>', 'the Keystone URL', 'OS_AUTH_URL'],
  ['--os-auth-type <type>', 'password, token or v3applicationcredential', 'OS_AUTH_TYPE'],
  ['--os-username <name>', 'the user name', 'OS_USERNAME'],
  ['--os-user-id <id>', 'the user ID', 'OS_USER_ID'],
  ['--os-password <password>', 'the password', 'OS_PASSWORD'],
  ['--os-project-name <name>', 'the project to scope the token to', 'OS_PROJECT_NAME'],
  ['--os-project-id <id>', 'the project ID to scope the token to', 'OS_PROJECT_ID'],
  ['--os-user-domain-name <name>', "the user's domain", 'OS_USER_DOMAIN_NAME'],
  ['--os-user-domain-id <id>', "the user's domain ID", 'OS_USER_DOMAIN_ID'],
  ['--os-project-domain-name <name>', "the project's domain", 'OS_PROJECT_DOMAIN_NAME'],
  ['--os-project-domain-id <id>', "the project's domain ID", 'OS_PROJECT_DOMAIN_ID'],
  ['--os-region-name <region>', 'the region of the GIMinG endpoint in the catalog', 'OS_REGION_NAME'],
  ['--os-interface <interface>', 'public, internal or admin endpoint', 'OS_INTERFACE'],
  ['--os-token <token>', 'a token to use instead of a password', 'OS_TOKEN'],
  ['--os-application-credential-id <id>', 'an application credential ID', 'OS_APPLICATION_CREDENTIAL_ID'],
  [
    '--os-application-credential-name <name>',
    'an application credential name',
    'OS_APPLICATION_CREDENTIAL_NAME',
  ],
  ['--os-application-credential-secret <secret>', 'its secret', 'OS_APPLICATION_CREDENTIAL_SECRET'],
  ['--os-endpoint-override <url>', 'the GIMinG endpoint, instead of the catalog', 'OS_ENDPOINT_OVERRIDE'],
  [
    '--os-cacert <file>',
    'a CA bundle to verify the TLS certificates of Keystone and GIMinG with, instead of the system CAs',
    'OS_CACERT',
  ],
  ['--os-cert <file>', 'a client certificate (PEM) for services that ask for one', 'OS_CERT'],
  ['--os-key <file>', 'the private key (PEM) of --os-cert', 'OS_KEY'],
  [
    '--os-image-manager-api-version <version>',
    'the REST microversion to use (1.N or latest); default: the highest both the server and this client know',
    'OS_IMAGE_MANAGER_API_VERSION',
  ],
  [
    '--cloud-credentials <file>',
    'a JSON or YAML file of credentials for clouds with their own identity service, by cloud name',
    'GIMMING_CLOUD_CREDENTIALS',
  ],
];

/** Runs the CLI; resolves with the exit code (0 ok, 1 failed, 2 bad usage). */
export async function main(
  argv: string[],
  out: NodeJS.WriteStream = process.stdout,
  err: NodeJS.WriteStream = process.stderr,
): Promise<number> {
  const program = new Command('gimming')
    .description('GIMinG: one image, kept in many clouds')
    .version(VERSION, '--version')
    .option('--timeout <seconds>', 'how long to wait for an answer')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.write(s), writeErr: (s) => err.write(s) });
  // As the openstack client: a flag, or else its environment variable, overrides the clouds.yaml value.
  for (const [flags, help, env] of GLOBAL_OPTIONS) {
    program.addOption(new Option(flags, help).env(env));
  }
  // OS_INSECURE is read by the shell: commander would take OS_INSECURE=false as set.
  program.option(
    '--insecure',
    'do not verify TLS certificates (testing only: anyone on the path can read the traffic) (env: OS_INSECURE)',
  );
  const shell = new Shell(program, out, err);
  let exit = 0;
  registerCommands(program, shell, (code) => {
    exit = code;
  });
  for (const cmd of walk(program))
    cmd.exitOverride().configureOutput({ writeOut: (s) => out.write(s), writeErr: (s) => err.write(s) });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exit;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (
        e.code === 'commander.helpDisplayed' ||
        e.code === 'commander.version' ||
        e.code === 'commander.help'
      ) {
        return 0;
      }
      return 2;
    }
    if (e instanceof UsageError) {
      err.write(`${e.message}\n`);
      return 2;
    }
    reportError(shell, e);
    return 1;
  }
}

function* walk(cmd: Command): Generator<Command> {
  for (const sub of cmd.commands) {
    yield sub;
    yield* walk(sub);
  }
}
