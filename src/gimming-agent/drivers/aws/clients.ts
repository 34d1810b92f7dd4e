/**
 * The SDK clients of one cloud (an account in a region): EC2 and S3, signing with the cloud's keys,
 * at [aws]'s endpoint overrides. Kept per region and keys (a hash of them) for the agent's life, bounded,
 * so that sockets are reused across calls and closed when a client is dropped.
 */
import { createHash } from 'node:crypto';
import { EC2Client } from './ec2-sdk';
import { S3Client } from './s3-sdk';
import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { LRUCache } from 'lru-cache';
import type { AwsConfig } from './config';
import { type AwsKeys, credentialProvider } from './credentials';

export interface AwsClients {
  ec2: EC2Client;
  s3: S3Client;
  region: string;
}

const MAX_CLIENTS = 64;

export class ClientCache {
  private readonly cache = new LRUCache<string, AwsClients>({
    max: MAX_CLIENTS,
    dispose: (clients) => {
      clients.ec2.destroy();
      clients.s3.destroy();
    },
  });

  constructor(private readonly own: AwsConfig) {}

  private handler(): NodeHttpHandler {
    const timeoutMs = this.own.request_timeout * 1000;
    return new NodeHttpHandler({ connectionTimeout: Math.min(timeoutMs, 30_000), requestTimeout: timeoutMs });
  }

  /** The clients for `region` with `keys` (undefined: the host's credential chain). */
  get(region: string, keys: AwsKeys | undefined, cloudName: string): AwsClients {
    const key = createHash('sha256')
      .update(`${region}\n${keys ? JSON.stringify(keys) : 'host chain'}`)
      .digest('hex');
    const cached = this.cache.get(key);
    if (cached) return cached;
    const own = this.own;
    const credentials: AwsCredentialIdentityProvider = credentialProvider(keys, {
      region,
      ...(own.sts_endpoint ? { endpoint: own.sts_endpoint } : {}),
      timeoutMs: own.request_timeout * 1000,
      cloudName,
      requestHandler: this.handler(),
    });
    const clients: AwsClients = {
      region,
      ec2: new EC2Client({
        region,
        credentials,
        requestHandler: this.handler(),
        ...(own.ec2_endpoint ? { endpoint: own.ec2_endpoint } : {}),
      }),
      s3: new S3Client({
        region,
        credentials,
        requestHandler: this.handler(),
        // Third-party S3 servers (and some S3 endpoints) refuse the SDK's default flexible checksums.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        ...(own.s3_endpoint ? { endpoint: own.s3_endpoint, forcePathStyle: true } : {}),
      }),
    };
    this.cache.set(key, clients);
    return clients;
  }
}
