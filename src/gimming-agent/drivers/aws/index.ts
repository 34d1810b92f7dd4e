/**
 * The EC2 driver: an AWS account in one region is a cloud. AMIs are its images, their data moves through
 * the cloud's S3 bucket (import and export tasks), and CopyImage copies between its regions. See
 * doc/source/admin/aws.rst for what an operator sets up (IAM, the vmimport role, the bucket).
 */
import type { CloudDriver, DriverCapabilities } from '../driver';
import { CONFIG, awsConfig, awsImageSizeLimit, checkAwsConfig } from './config';

const CAPABILITIES: DriverCapabilities = {
  canExport: true,
  canImport: true,
  // What ImportSnapshot takes; other formats are converted by the agent before they reach the driver.
  diskFormats: ['raw', 'vmdk', 'vhd'],
  containerFormats: ['bare'],
  // EC2 reports no hash of an image: the agent proves a copy with its own and records them (recordsProof).
  reportedHashes: [],
  nativeCopy: ['aws'],
  sharing: 'members',
  visibilities: ['private', 'public'],
  fixedNames: true,
  recordsProof: true,
  // AWS keeps tag keys starting with aws: for itself.
  reservedPropertyPrefixes: ['aws:'],
  // An AMI's owner is an AWS account ID, not a project.
  ownersAreProjects: false,
  // A deprecation time (EnableImageDeprecation), and DisableImage for obsolete and revoked.
  lifecycleStates: ['deprecated', 'obsolete', 'revoked'],
};

export const driver: CloudDriver = {
  name: 'aws',
  capabilities: CAPABILITIES,
  config: CONFIG,

  imageSizeLimit: (config) => awsImageSizeLimit(awsConfig(config)),
  // CopyImage copies the AMI's snapshots within EC2: no S3 object of an import, none of its limits.
  nativeCopyLimit: () => ({ bytes: 0, from: '' }),

  validateConfig(config) {
    try {
      checkAwsConfig(awsConfig(config));
    } catch (err) {
      throw new Error(`driver aws: ${(err as Error).message}`, { cause: err });
    }
  },

  // The AWS SDK (some 80 MiB once loaded) is loaded only by an agent that starts this driver: every
  // daemon reads the driver's config fragment from this module.
  start(dctx) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('./opener') as typeof import('./opener')).openAws(dctx);
  },
};
