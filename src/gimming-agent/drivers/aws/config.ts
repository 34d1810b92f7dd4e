/**
 * The options of the EC2 driver: the [aws] group. Endpoint overrides exist for a stand-in or a private
 * endpoint (VPC endpoints, another partition); empty means AWS's own endpoint of the cloud's region.
 */
import type { ConfigValues, GimmingConfig } from '../../../common/config/schema';
import type { ConfigFragment } from '../driver';
import { checkEndpointOptions } from '../endpoint-options';

const url = (doc: string) => ({ doc, format: 'oslo-string' as const, default: '' });
const int = (doc: string, def: number, min: number) => ({
  doc,
  format: 'oslo-int' as const,
  default: def,
  min,
});

const AWS_GROUP = {
  ec2_endpoint: url(
    "URL of the EC2 API to use instead of AWS's own endpoint of the cloud's region (a stand-in, or a VPC " +
      "endpoint). Empty: AWS's own.",
  ),
  s3_endpoint: url(
    "URL of the S3 API to use instead of AWS's own endpoint of the cloud's region. When set, buckets are " +
      "addressed by path (http://host/bucket/key). Empty: AWS's own.",
  ),
  sts_endpoint: url(
    "URL of the STS API through which a project cloud's role_arn is assumed, instead of AWS's own. " +
      "Empty: AWS's own.",
  ),
  request_timeout: int(
    'Seconds without any answer after which a request to EC2, S3 or STS is abandoned.',
    300,
    1,
  ),
  task_poll_interval: int(
    'Milliseconds between two looks at an import, export or copy task of EC2 (DescribeImportSnapshotTasks, ' +
      'DescribeExportImageTasks, DescribeImages).',
    5000,
    10,
  ),
  task_timeout: int(
    'Seconds an import, export or copy task of EC2 may take at most before the agent cancels it and ' +
      'fails the transfer.',
    21600,
    1,
  ),
  part_size_mb: int(
    'MiB in each part of the S3 multipart upload of an image being imported (S3 allows at most 10000 ' +
      'parts: 64 MiB parts take images up to 625 GiB). Each part is streamed from the data when its size ' +
      'is known (every copy); otherwise each part in flight is held in memory.',
    8,
    5,
  ),
  upload_concurrency: int(
    'S3 multipart upload requests open at once (one part streamed, the others awaiting their answer). ' +
      'Data of an unknown size is held in this many part buffers of part_size_mb.',
    2,
    1,
  ),
  export_format: {
    doc:
      'The disk format an image read out of EC2 is exported as (ExportImage); describe reports it as the ' +
      "image's disk_format.",
    format: ['raw', 'vmdk', 'vhd'] as const,
    default: 'raw' as const,
  },
};

export const CONFIG: ConfigFragment = {
  groups: { aws: { after: 'oslo_messaging_rabbit', options: AWS_GROUP } },
};

export type AwsConfig = ConfigValues<typeof AWS_GROUP>;

/** The driver's options in a loaded configuration (loaded with this fragment composed in). */
export function awsConfig(config: GimmingConfig): AwsConfig {
  return (config as unknown as Record<string, AwsConfig>).aws as AwsConfig;
}

/** Checks the options: an endpoint override is an http(s) URL without credentials, path or query. */
export function checkAwsConfig(own: AwsConfig): void {
  checkEndpointOptions('aws', own, ['ec2_endpoint', 's3_endpoint', 'sts_endpoint']);
  if (own.part_size_mb < 5 || own.part_size_mb > 5120) {
    throw new Error('[aws] part_size_mb: S3 parts are 5 to 5120 MiB');
  }
}

/** S3's largest object (5 TiB) and most parts in a multipart upload (10000), as AWS documents them. */
const S3_MAX_OBJECT_BYTES = 5 * 1024 ** 4;
const S3_MAX_PARTS = 10000;

/**
 * The largest image an import into EC2 takes here: the disk passes through one S3 object uploaded in
 * at most 10000 parts of [aws] part_size_mb, and an S3 object holds at most 5 TiB.
 */
export function awsImageSizeLimit(own: AwsConfig): { bytes: number; from: string } {
  const byParts = S3_MAX_PARTS * own.part_size_mb * 1024 * 1024;
  return byParts < S3_MAX_OBJECT_BYTES
    ? {
        bytes: byParts,
        from: `S3's 10000 parts of [aws] part_size_mb = ${own.part_size_mb} MiB for the import's object`,
      }
    : { bytes: S3_MAX_OBJECT_BYTES, from: "S3's largest object (5 TiB) for the import's object" };
}
