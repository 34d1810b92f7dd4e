/**
 * The EC2 driver: an AWS account in one region is a cloud. AMIs are its images, their data moves through
 * the cloud's S3 bucket (import and export tasks), and CopyImage copies between its regions. See
 * doc/source/admin/aws.rst for what an operator sets up (IAM, the vmimport role, the bucket).
 */
import { GimmingError } from '../../../common/errors';
import type { CloudDriver, DriverCapabilities } from '../driver';
import { ClientCache } from './clients';
import { CONFIG, awsConfig, checkAwsConfig } from './config';
import { type AwsKeys, parseAwsKeys } from './credentials';
import { PendingImports } from './import';
import { AwsSession } from './session';

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
};

export const driver: CloudDriver = {
  name: 'aws',
  capabilities: CAPABILITIES,
  config: CONFIG,

  validateConfig(config) {
    try {
      checkAwsConfig(awsConfig(config));
    } catch (err) {
      throw new Error(`driver aws: ${(err as Error).message}`, { cause: err });
    }
  },

  start({ config, sessions }) {
    const own = awsConfig(config);
    const clients = new ClientCache(own);
    const pending = new PendingImports();
    return {
      idleTimeoutMs: own.request_timeout * 1000,
      async open(ctx, cloud) {
        const cloudName = cloud.name || cloud.id;
        if (!cloud.region_name) {
          throw new GimmingError('gimming.cloud.no_region', 409, `Cloud ${cloudName} names no AWS region.`);
        }
        // A project cloud's keys (sealed with the call, or its secret); none: the agent host's chain.
        const value = await sessions.credentialValue(ctx, cloud);
        const keys: AwsKeys | undefined =
          value === undefined ? undefined : parseAwsKeys(value, `of cloud ${cloudName}`);
        const bucket = cloud.options?.bucket ?? '';
        return new AwsSession(
          clients.get(cloud.region_name, keys, cloudName),
          own,
          pending,
          cloudName,
          bucket,
        );
      },
    };
  },
};
