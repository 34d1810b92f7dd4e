/**
 * `gimming cloud ...`: list, show, create and delete clouds; list a cloud's own images.
 */
import type { Command } from 'commander';
import type { CloudView } from '../client';
import { type Run, bandwidthOption, reportError } from './command-kit';
import { type Shell, formatOptions, listOutput, showOutput } from './context';
import { type Row, UsageError } from './output';

const CLOUD_COLUMNS = ['ID', 'Name', 'Type', 'Region', 'Zone', 'Scope', 'Agents Up'];
const CLOUD_LONG = ['Bucket', 'Owner', 'Created At'];

/** One capability's value on a line: a list joined, an object (size_limits) as its key=value pairs. */
export function capabilityText(value: unknown): string {
  if (Array.isArray(value)) return value.map(String).join(', ') || '-';
  if (value && typeof value === 'object') {
    return (
      Object.entries(value as Record<string, unknown>)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(', ') || '-'
    );
  }
  return String(value);
}

/** A cloud as `cloud show` prints it in a table: what its kind of cloud can do, one line each. */
function cloudFields(c: CloudView): Row {
  const { capabilities, created_at, updated_at, ...rest } = c;
  const lines = capabilities
    ? Object.entries(capabilities).map(([key, value]) => `${key}: ${capabilityText(value)}`)
    : null;
  return { ...rest, capabilities: lines, created_at, updated_at };
}

export function registerCloudCommands(program: Command, shell: Shell, run: Run): void {
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
        Bucket: c.bucket ?? '',
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
      .requiredOption(
        '--region <region>',
        'the region of its image endpoint in the Keystone catalog (aws: the AWS region, such as us-east-1)',
      )
      .option('--zone <zone>', 'the zone of the agents that serve it (default: the name)')
      .option('--type <type>', 'the cloud type: openstack, aws or gcp', 'openstack')
      .option('--project', "a cloud of your project's own, not shared")
      .option('--auth-url <url>', "the cloud's own identity service (openstack project clouds)")
      .option('--credentials-ref <secret>', 'the key-manager secret (UUID or href) holding its credentials')
      .option('--bucket <bucket>', 'the S3 or Cloud Storage bucket GIMinG may use for transfers (aws, gcp)')
      .option('--gcp-project <id>', 'the Google Cloud project of a gcp cloud')
      .option('--storage-location <location>', "where a gcp cloud's images are stored (us, europe-west1)")
      .option('--family <family>', "the default image family of a gcp cloud's copies")
      .option('--max-bandwidth <rate>', 'hold every copy to or from it to this: bytes/s, or 100M, 1Gbit'),
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
        ...(opts.bucket ? { bucket: opts.bucket as string } : {}),
        ...(opts.gcpProject ? { gcpProject: opts.gcpProject as string } : {}),
        ...(opts.storageLocation ? { storageLocation: opts.storageLocation as string } : {}),
        ...(opts.family ? { family: opts.family as string } : {}),
        ...(opts.maxBandwidth ? { maxBandwidth: bandwidthOption(opts.maxBandwidth as string) } : {}),
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
      .option('--limit <n>', 'at most this many images (default: all, page after page)')
      .option('--page-size <n>', 'how many images to ask the server for at a time')
      .option('--marker <id>', "start after this image (a cloud's image ID)")
      .option('--long', 'more columns'),
  ).action(
    run(async (ref: string, opts: Record<string, unknown>) => {
      const images = await shell.client.clouds.images(ref, {
        ...(opts.limit ? { limit: positive(opts.limit, '--limit') } : {}),
        ...(opts.pageSize ? { pageSize: positive(opts.pageSize, '--page-size') } : {}),
        ...(opts.marker ? { marker: opts.marker as string } : {}),
      });
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
}

function positive(value: unknown, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be a positive integer.`);
  return n;
}
