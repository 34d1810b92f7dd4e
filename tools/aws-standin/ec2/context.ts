/** What an EC2 action handler is given, and the look-ups several of them share. */
import type { StandinConfig } from '../config';
import { AwsError } from '../errors';
import type { Faults } from '../faults';
import type { Identity } from '../credentials';
import type { ServiceModel } from '../model';
import type { ObjectStore } from '../s3-objects';
import type { Jobs } from '../tasks';
import { Store, type ImageRec, type SnapshotRec, type Tags } from '../state';

export interface Ec2Services {
  config: StandinConfig;
  model: ServiceModel;
  store: Store;
  faults: Faults;
  objects: ObjectStore;
  jobs: Jobs;
  /** http://host:port of the EC2 endpoint (DescribeRegions' Endpoint). */
  endpoint: () => string;
}

export interface Ec2Call {
  svc: Ec2Services;
  identity: Identity;
  account: string;
  region: string;
  /**
   * The input, checked against the model: in the model's member names, so a handler reads it as the SDK's
   * own request type (`call.input as RegisterImageRequest`).
   */
  input: object;
}

export type Ec2Handler = (call: Ec2Call) => Promise<Record<string, unknown>> | Record<string, unknown>;

/** An image this caller may see: its own, or one shared with it (or public) in this region. */
export function visibleImage(call: Ec2Call, id: string, region = call.region): ImageRec {
  const img = call.svc.store.images.get(id);
  if (
    !img ||
    img.region !== region ||
    (img.account !== call.account && !img.launchPublic && !img.launchUsers.includes(call.account))
  ) {
    throw new AwsError('InvalidAMIID.NotFound', `The image id '[${id}]' does not exist`);
  }
  return img;
}

export function ownImage(call: Ec2Call, id: string): ImageRec {
  if (!/^ami-[0-9a-f]{8,17}$/.test(id))
    throw new AwsError('InvalidAMIID.Malformed', `Invalid id: "${id}" (expecting "ami-...")`);
  const img = visibleImage(call, id);
  if (img.account !== call.account) throw new AwsError('AuthFailure', `Not authorized for image:${id}`, 401);
  return img;
}

export function ownSnapshot(call: Ec2Call, id: string): SnapshotRec {
  if (!/^snap-[0-9a-f]{8,17}$/.test(id))
    throw new AwsError('InvalidSnapshotID.Malformed', `Invalid id: "${id}" (expecting "snap-...")`);
  const s = call.svc.store.snapshots.get(id);
  if (!s || s.region !== call.region || s.account !== call.account) {
    throw new AwsError('InvalidSnapshot.NotFound', `The snapshot '${id}' does not exist.`);
  }
  return s;
}

export function bucketIn(call: Ec2Call, bucket: string): void {
  const b = call.svc.config.buckets.find((x) => x.name === bucket);
  if (!b)
    throw new AwsError(
      'InvalidParameter',
      `The given S3 bucket ${bucket} does not exist or the vmimport role cannot reach it.`,
    );
  if (b.region !== call.region) {
    throw new AwsError(
      'InvalidParameter',
      `The S3 bucket ${bucket} is in ${b.region}; it must be in the same region as the task (${call.region}).`,
    );
  }
  if (b.account !== call.account)
    throw new AwsError(
      'InvalidParameter',
      `The service role vmimport does not have access to the S3 bucket ${bucket}.`,
    );
}

/** The tags of TagSpecifications for one resource type; another type is refused. */
export function tagsFromSpecs(
  specs: { ResourceType?: string; Tags?: { Key?: string; Value?: string }[] }[] | undefined,
  allowed: string[],
): Record<string, Tags> {
  const out: Record<string, Tags> = {};
  for (const spec of specs ?? []) {
    const type = spec.ResourceType ?? '';
    if (!allowed.includes(type)) {
      throw new AwsError(
        'InvalidParameterValue',
        `'${type}' is not a valid taggable resource type for this operation.`,
      );
    }
    out[type] = { ...out[type], ...checkTags(spec.Tags ?? []) };
  }
  return out;
}

export function checkTags(tags: { Key?: string; Value?: string }[]): Tags {
  const out: Tags = {};
  for (const t of tags) {
    const key = t.Key ?? '';
    if (key === '' || key.length > 128)
      throw new AwsError('InvalidParameterValue', `Tag key '${key}' must be 1 to 128 characters long.`);
    if (key.toLowerCase().startsWith('aws:'))
      throw new AwsError(
        'InvalidParameterValue',
        "Tag keys starting with 'aws:' are reserved for internal use",
      );
    if ((t.Value ?? '').length > 256)
      throw new AwsError(
        'InvalidParameterValue',
        `Tag value for '${key}' must be at most 256 characters long.`,
      );
    out[key] = t.Value ?? '';
  }
  return out;
}

export function addTags(target: Tags, more: Tags): void {
  Object.assign(target, more);
  if (Object.keys(target).length > 50)
    throw new AwsError(
      'TagLimitExceeded',
      'The maximum number of tags (50) for a resource has been reached.',
    );
}

export function paginate<T>(
  items: T[],
  maxResults: number | undefined,
  nextToken: string | undefined,
): { page: T[]; next?: string } {
  const start = nextToken ? Number.parseInt(Buffer.from(nextToken, 'base64').toString('utf8'), 10) : 0;
  if (!Number.isInteger(start) || start < 0 || start > items.length)
    throw new AwsError('InvalidNextToken', 'The token is invalid or has expired.');
  const size = maxResults ?? items.length;
  const page = items.slice(start, start + size);
  const nextIdx = start + page.length;
  return { page, next: nextIdx < items.length ? Buffer.from(String(nextIdx)).toString('base64') : undefined };
}

export { Store };
