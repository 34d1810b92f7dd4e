/**
 * The GCE driver: a GCP project is a cloud. Its images are made from raw disks streamed as disk.raw in
 * a tar.gz through the cloud's Cloud Storage bucket (images.insert), shared through IAM bindings of
 * roles/compute.imageUser. GCE has no API that hands out an image's bytes, so a GCE image is never the
 * source of a copy (canExport false). See doc/source/admin/gcp.rst.
 */
import type { CloudDriver, DriverCapabilities } from '../driver';
import { CONFIG, checkGcpConfig, gcpConfig } from './config';

const CAPABILITIES: DriverCapabilities = {
  // No API hands out a GCE image's bytes (an export runs a Cloud Build job): never a source.
  canExport: false,
  canImport: true,
  // What images.insert takes; other formats are converted by the agent before they reach the driver.
  diskFormats: ['raw'],
  containerFormats: ['bare'],
  // GCE reports no hash of an image: the agent proves a copy with its own and records them.
  reportedHashes: [],
  nativeCopy: [],
  sharing: 'members',
  visibilities: ['private', 'public'],
  fixedNames: true,
  recordsProof: true,
  reservedPropertyPrefixes: ['gcp:'],
  // An image's owner is a GCP project, not a project of GIMinG's Keystone.
  ownersAreProjects: false,
  // An image's deprecation status: DEPRECATED, OBSOLETE and DELETED (drivers/gcp/lifecycle.ts).
  lifecycleStates: ['deprecated', 'obsolete', 'revoked'],
};

export const driver: CloudDriver = {
  name: 'gcp',
  capabilities: CAPABILITIES,
  config: CONFIG,

  // The disk's tar.gz is one Cloud Storage object, and an object holds at most 5 TiB.
  imageSizeLimit: () => ({ bytes: 5 * 1024 ** 4, from: "Cloud Storage's largest object (5 TiB)" }),

  validateConfig(config) {
    try {
      checkGcpConfig(gcpConfig(config));
    } catch (err) {
      throw new Error(`driver gcp: ${(err as Error).message}`, { cause: err });
    }
  },

  // The Google SDKs are loaded only by an agent that starts this driver (see drivers/aws/index.ts).
  start(dctx) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('./opener') as typeof import('./opener')).openGcp(dctx);
  },
};
