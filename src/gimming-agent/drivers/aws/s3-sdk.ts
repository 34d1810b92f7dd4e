/**
 * The S3 SDK as the driver uses it: @aws-sdk/client-s3's types, and its code from a bundle of only the
 * client and the commands named below (tools/build/slim-aws-sdk.mjs, run by `npm run build`), as for EC2
 * (ec2-sdk.ts): the whole client module holds every S3 command and schema, and the bundle saves about
 * 3 MiB of the aws agent's RSS (doc/source/admin/performance.rst). A tree built without it (tsc alone)
 * runs on the whole client.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as S3 from '@aws-sdk/client-s3';

/** Where `npm run build` writes the bundle (dist/vendor/), from this module's place in dist/. */
export const SLIM_BUNDLE = join(__dirname, '..', '..', '..', '..', 'vendor', 'aws-sdk-client-s3.cjs');

function load(): typeof S3 {
  const load = createRequire(__filename);
  try {
    return load(SLIM_BUNDLE) as typeof S3;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
    return load('@aws-sdk/client-s3') as typeof S3;
  }
}

const sdk = load();

// The names the bundle is made of: tools/build/slim-aws-sdk.mjs reads this list.
export const {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} = sdk;

export type S3Client = S3.S3Client;
export type { CompletedPart } from '@aws-sdk/client-s3';
