/**
 * The naming rules of what a cloud of each kind is registered with (an AWS region, an S3 or Cloud Storage
 * bucket, a Google Cloud project, a Cloud Storage location, a GCE name), in one place with no Node.js
 * dependency: the conductor checks a registration with them (gimming-conductor/cloud-kinds.ts), and the
 * dashboard's add-cloud form checks its fields with the same rules before it sends anything.
 */

/** An AWS region code: us-east-1, eu-central-2, us-gov-west-1, ap-southeast-5, cn-north-1. */
export const AWS_REGION_RE = /^[a-z]{2}(-[a-z]+){1,3}-\d{1,2}$/;

/** Google's rule for a project ID (6 to 30 lowercase letters, digits and hyphens, from a letter). */
export const PROJECT_ID_RE = /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/;

/**
 * A GCE resource name (an image, an image family): RFC 1035, 1 to 63 characters, lowercase letters,
 * digits and hyphens, beginning with a letter and not ending with a hyphen. One definition for the
 * conductor (a gcp cloud's default family), the dashboard, and the agent's gcp driver (the names it gives
 * images, the family a property asks for).
 */
export const GCE_NAME_RE = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** A Cloud Storage location: a multi-region (us, eu, asia), a dual-region (nam4) or a region (europe-west1). */
export const GCS_LOCATION_RE = /^[a-z]{2,}\d*(-[a-z]+\d+)?$/;

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
