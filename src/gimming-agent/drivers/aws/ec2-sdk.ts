/**
 * The EC2 SDK as the driver uses it: @aws-sdk/client-ec2's types, and its code from a bundle of only the
 * client and the commands named below (tools/build/slim-aws-sdk.mjs, run by `npm run build`). The whole
 * client is one 2 MB module of every EC2 command and schema, and loading it costs 70 to 80 MiB of RSS
 * that an agent keeps for its life; the bundle costs about 15 (doc/source/admin/performance.rst). A tree
 * built without it (tsc alone) runs on the whole client.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as Ec2 from '@aws-sdk/client-ec2';

/** Where `npm run build` writes the bundle (dist/vendor/), from this module's place in dist/. */
export const SLIM_BUNDLE = join(__dirname, '..', '..', '..', '..', 'vendor', 'aws-sdk-client-ec2.cjs');

function load(): typeof Ec2 {
  const load = createRequire(__filename);
  try {
    return load(SLIM_BUNDLE) as typeof Ec2;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
    return load('@aws-sdk/client-ec2') as typeof Ec2;
  }
}

const sdk = load();

// The names the bundle is made of: tools/build/slim-aws-sdk.mjs reads this list.
export const {
  CancelExportTaskCommand,
  CancelImportTaskCommand,
  CopyImageCommand,
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DeleteTagsCommand,
  DeregisterImageCommand,
  DescribeExportImageTasksCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeImportSnapshotTasksCommand,
  DescribeSnapshotsCommand,
  DisableImageCommand,
  DisableImageDeprecationCommand,
  EC2Client,
  EnableImageCommand,
  EnableImageDeprecationCommand,
  ExportImageCommand,
  ImportSnapshotCommand,
  ModifyImageAttributeCommand,
  RegisterImageCommand,
} = sdk;

export type EC2Client = Ec2.EC2Client;
export type { ExportImageTask, Image, ImageState, SnapshotTaskDetail } from '@aws-sdk/client-ec2';
