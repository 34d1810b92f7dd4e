/**
 * What each kind of cloud takes when it is registered, and the driver settings (`options`) it records.
 * An `openstack` cloud is a region of a Keystone catalog, optionally (project clouds) with its own
 * identity service. An `aws` cloud is one AWS account in one region, with the S3 bucket GIMinG may use
 * for transfers; a shared one is reached with the AWS credentials of its zone's agent hosts, a project
 * one with the key in its key-manager secret (or given with each request). These are the registration's
 * rules only: how a cloud is reached stays in the agent's driver. A `gcp` cloud is one Google Cloud
 * project with the Cloud Storage bucket GIMinG may use for transfers (optionally a storage location and a
 * default image family); a shared one is reached with the application default credentials of its zone's
 * agent hosts, a project one with the service-account key in its secret (or given with each request).
 */
import {
  AWS_REGION_RE,
  GCE_NAME_RE,
  GCS_LOCATION_RE,
  PROJECT_ID_RE,
  bucketNameProblem,
  gcsBucketNameProblem,
} from '../common/cloud-names';
import { GimmingError } from '../common/errors';
import type { CloudView, MethodArgs } from './rpc-schemas';

// The naming rules live in common/cloud-names.ts (the dashboard checks its form with them too).
export { bucketNameProblem, gcsBucketNameProblem };

export const CLOUD_TYPES = ['openstack', 'aws', 'gcp'] as const;
export type CloudType = (typeof CLOUD_TYPES)[number];

/**
 * Whether a copy a cloud of `type` makes itself (its native copy, planner.ts) is held to the largest image
 * its agents report (size_limits.image_bytes), as a copy through the agents is: the rule for an agent
 * before RPC 1.22, which does not say it itself (Capabilities.native_copy_limit, which each driver
 * reports by the same reasoning: drivers' nativeCopyLimit). It is for every kind
 * whose limit is the cloud's own: Glance's image_size_cap bounds every image it stores, the one its
 * glance-download import pulls too (Glance checks it as it writes the pulled data into its store, after
 * the whole image crossed). It is not for EC2: the limit its agents report is the S3 object of an import
 * (ImportImage), which CopyImage does not use (it copies the AMI's snapshots within EC2, which already
 * holds the source AMI). Neither has a native copy bounded by [agent] staging_max_bytes: no byte passes
 * through an agent.
 */
export function nativeCopyHeldToImageLimit(type: string): boolean {
  return type !== 'aws';
}

/** The settings a cloud's driver reads (CloudRef.options), by name; never credentials. */
export type CloudOptions = Record<string, string>;

function invalid(code: string, message: string): GimmingError {
  return new GimmingError(code, 400, message);
}

/**
 * Checks what a new cloud of its type takes (beyond the schema) and returns the options to record. The
 * auth_url and credentials_ref checks of OpenStack clouds stay in CloudService; aws clouds are checked
 * whole here.
 */
export function checkCloudKind(args: MethodArgs<'create_cloud'>, project: boolean): CloudOptions {
  if (args.type !== 'gcp') {
    const gcpOnly = (['project', 'storage_location', 'family'] as const).find((o) => args[o] !== undefined);
    if (gcpOnly) throw invalid('gimming.cloud.bad_option', `${gcpOnly} is an option of gcp clouds only.`);
  }
  if (args.type === 'gcp') return checkGcpCloud(args, project);
  if (args.type !== 'aws') {
    if (args.bucket !== undefined) {
      throw invalid('gimming.cloud.bad_option', 'bucket is an option of aws and gcp clouds only.');
    }
    return {};
  }
  if (!AWS_REGION_RE.test(args.region_name)) {
    throw invalid(
      'gimming.cloud.bad_region',
      'region_name of an aws cloud must be an AWS region code such as us-east-1.',
    );
  }
  if (args.auth_url !== undefined) {
    throw invalid(
      'gimming.cloud.bad_auth_url',
      'An aws cloud takes no auth_url: it is reached in its region with AWS credentials ' +
        '(credentials_ref for a project cloud, those of its agent hosts for a shared one).',
    );
  }
  if (!project && args.credentials_ref !== undefined) {
    throw invalid(
      'gimming.cloud.bad_scope',
      'Only a project cloud (scope "project") takes credentials_ref: a shared aws cloud is reached with ' +
        'the AWS credentials of the agent hosts of its zone.',
    );
  }
  if (args.bucket === undefined) {
    throw invalid('gimming.cloud.bad_bucket', 'An aws cloud needs bucket: the S3 bucket for its transfers.');
  }
  const problem = bucketNameProblem(args.bucket);
  if (problem) {
    throw invalid('gimming.cloud.bad_bucket', `bucket is not an S3 bucket name: ${problem}.`);
  }
  return { bucket: args.bucket };
}

/** A gcp cloud's fields, checked whole: its project, bucket, storage location and family. */
function checkGcpCloud(args: MethodArgs<'create_cloud'>, project: boolean): CloudOptions {
  if (args.auth_url !== undefined) {
    throw invalid(
      'gimming.cloud.bad_auth_url',
      'A gcp cloud takes no auth_url: it is reached with Google credentials (credentials_ref for a ' +
        'project cloud, the application default credentials of its agent hosts for a shared one).',
    );
  }
  if (!project && args.credentials_ref !== undefined) {
    throw invalid(
      'gimming.cloud.bad_scope',
      'Only a project cloud (scope "project") takes credentials_ref: a shared gcp cloud is reached with ' +
        'the application default credentials of the agent hosts of its zone.',
    );
  }
  if (args.project === undefined || !PROJECT_ID_RE.test(args.project)) {
    throw invalid(
      'gimming.cloud.bad_project',
      'A gcp cloud needs project: a Google Cloud project ID (6 to 30 lowercase letters, digits and ' +
        'hyphens, beginning with a letter, not ending with a hyphen).',
    );
  }
  if (args.bucket === undefined) {
    throw invalid(
      'gimming.cloud.bad_bucket',
      'A gcp cloud needs bucket: the Cloud Storage bucket for its transfers.',
    );
  }
  const problem = gcsBucketNameProblem(args.bucket);
  if (problem) {
    throw invalid('gimming.cloud.bad_bucket', `bucket is not a Cloud Storage bucket name: ${problem}.`);
  }
  if (args.storage_location !== undefined && !GCS_LOCATION_RE.test(args.storage_location)) {
    throw invalid(
      'gimming.cloud.bad_storage_location',
      'storage_location must be a Cloud Storage location such as us, eu or europe-west1.',
    );
  }
  if (args.family !== undefined && !GCE_NAME_RE.test(args.family)) {
    throw invalid(
      'gimming.cloud.bad_family',
      'family must be a GCE name: 1 to 63 lowercase letters, digits and hyphens, beginning with a ' +
        'letter, not ending with a hyphen.',
    );
  }
  return {
    project: args.project,
    bucket: args.bucket,
    ...(args.storage_location !== undefined ? { storage_location: args.storage_location } : {}),
    ...(args.family !== undefined ? { family: args.family } : {}),
  };
}

/**
 * A cloud's bandwidth cap (its max_bandwidth option, bytes/s, since RPC 1.18): every copy to or from the
 * cloud is held to it (0: none).
 */
export function cloudBandwidthCap(options: CloudOptions): number {
  const cap = Number(options.max_bandwidth ?? 0);
  return Number.isSafeInteger(cap) && cap > 0 ? cap : 0;
}

/** A cloud's recorded options (the clouds.options JSON); anything unreadable is no option. */
export function parseCloudOptions(json: string | null): CloudOptions {
  if (!json) return {};
  try {
    const parsed = JSON.parse(json) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
    return Object.fromEntries(
      Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
  } catch {
    return {};
  }
}

/**
 * Whether work on the cloud needs credentials of the cloud's own (its key-manager secret, or given with
 * the request): a cloud with its own Keystone, and a project's aws cloud, which must never be reached
 * with the AWS credentials of the operator's agent hosts.
 */
export function needsOwnCredentials(cloud: { type: string; scope: string; authUrl: string | null }): boolean {
  return cloud.authUrl !== null || (cloud.type !== 'openstack' && cloud.scope === 'project');
}

/**
 * A cloud's view with the options its type shows (aws: bucket, after credentials_ref): an openstack
 * cloud's view is left as it was.
 */
export function withCloudOptions(
  view: CloudView,
  cloud: { type: string; options: string | null },
): CloudView {
  const options = parseCloudOptions(cloud.options);
  const cap = cloudBandwidthCap(options);
  if (cloud.type !== 'aws' && cloud.type !== 'gcp') {
    return cap ? { ...view, max_bandwidth: cap } : view;
  }
  const { agents_up, capabilities, created_at, updated_at, ...head } = view;
  const bucket = options.bucket ?? '';
  const tail = { agents_up, capabilities, created_at, updated_at, ...(cap ? { max_bandwidth: cap } : {}) };
  if (cloud.type === 'aws') return { ...head, bucket, ...tail };
  const gcp = {
    project: options.project ?? '',
    storage_location: options.storage_location ?? '',
    family: options.family ?? '',
  };
  return { ...head, bucket, ...gcp, ...tail };
}
