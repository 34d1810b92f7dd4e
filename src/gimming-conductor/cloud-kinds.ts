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
import { PROJECT_ID_RE } from '../common/cloud-credentials/gcp-key';
import { GimmingError } from '../common/errors';
import { GCE_NAME_RE } from '../common/gce-names';
import type { CloudView, MethodArgs } from './rpc-schemas';

export const CLOUD_TYPES = ['openstack', 'aws', 'gcp'] as const;
export type CloudType = (typeof CLOUD_TYPES)[number];

/** The settings a cloud's driver reads (CloudRef.options), by name; never credentials. */
export type CloudOptions = Record<string, string>;

// A region code as AWS names them: us-east-1, eu-central-2, us-gov-west-1, ap-southeast-5, cn-north-1.
const AWS_REGION_RE = /^[a-z]{2}(-[a-z]+){1,3}-\d{1,2}$/;

const BUCKET_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const BUCKET_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

/**
 * Why a name is not a general purpose S3 bucket name (AWS's naming rules), or null when it is one. Dots
 * are allowed (they are valid), though path-style requests are then the only TLS-safe way to reach it.
 */
export function bucketNameProblem(name: string): string | null {
  if (name.length < 3 || name.length > 63) return 'it must be 3 to 63 characters long';
  if (!/^[a-z0-9.-]+$/.test(name)) return 'it may hold only lowercase letters, digits, dots and hyphens';
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name))
    return 'it must begin and end with a letter or a digit';
  if (name.includes('..')) return 'it must not have two adjacent dots';
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return 'it must not have the form of an IP address';
  const prefix = BUCKET_PREFIXES.find((p) => name.startsWith(p));
  if (prefix) return `it must not begin with ${prefix}`;
  const suffix = BUCKET_SUFFIXES.find((s) => name.endsWith(s));
  if (suffix) return `it must not end with ${suffix}`;
  return null;
}

// A Cloud Storage location: a multi-region (us, eu, asia), a dual-region (nam4) or a region (europe-west1).
const GCS_LOCATION_RE = /^[a-z]{2,}\d*(-[a-z]+\d+)?$/;

/** Why a name is not a Cloud Storage bucket name (Google's naming rules), or null when it is one. */
export function gcsBucketNameProblem(name: string): string | null {
  if (!/^[a-z0-9._-]+$/.test(name))
    return 'it may hold only lowercase letters, digits, dots, hyphens and underscores';
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name))
    return 'it must begin and end with a letter or a digit';
  const longest = Math.max(...name.split('.').map((p) => p.length));
  if (name.length < 3 || longest > 63 || name.length > 222)
    return 'it must be 3 to 63 characters long (222 with dots, 63 between two dots)';
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return 'it must not have the form of an IP address';
  if (name.startsWith('goog')) return 'it must not begin with goog';
  if (/g[o0]{2}gle/.test(name)) return 'it must not hold google or a misspelling of it';
  return null;
}

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
  if (cloud.type !== 'aws' && cloud.type !== 'gcp') return view;
  const { agents_up, capabilities, created_at, updated_at, ...head } = view;
  const options = parseCloudOptions(cloud.options);
  const bucket = options.bucket ?? '';
  const tail = { agents_up, capabilities, created_at, updated_at };
  if (cloud.type === 'aws') return { ...head, bucket, ...tail };
  const gcp = {
    project: options.project ?? '',
    storage_location: options.storage_location ?? '',
    family: options.family ?? '',
  };
  return { ...head, bucket, ...gcp, ...tail };
}
