/**
 * The RPC envelope, versioned on its own (separately from each server's API version).
 *
 * A call carries the caller's full context (token and catalog included) and is published as a transient
 * message; a cast never carries secrets and may be persistent. Replies carry either a result or an error
 * as data (WireError), rebuilt on the caller's side as the same GimmingError.
 */
import type { RequestContextData } from '../context';
import type { WireError } from '../errors';

export const ENVELOPE_VERSION = '1.1';

export interface RpcEnvelope {
  envelope_version: string;
  method: string;
  /** The version of the server API this call needs (`major.minor`). */
  version: string;
  args: unknown;
  context: RequestContextData;
  /** A cast without a user token: the sender's signature (see signed-envelope.ts). Since 1.1. */
  signature?: string;
}

export interface RpcReply {
  result?: unknown;
  failure?: WireError;
}

/** True when a server at `serverVersion` can answer a call that needs `wanted`. */
export function versionCompatible(serverVersion: string, wanted: string): boolean {
  const [sMajor, sMinor] = serverVersion.split('.').map(Number);
  const [wMajor, wMinor] = wanted.split('.').map(Number);
  return sMajor === wMajor && (wMinor ?? 0) <= (sMinor ?? 0);
}

/** Orders two `major.minor` versions (negative: `a` is older). */
export function compareVersions(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split('.').map(Number);
  const [bMajor = 0, bMinor = 0] = b.split('.').map(Number);
  return aMajor !== bMajor ? aMajor - bMajor : aMinor - bMinor;
}

/** Whether `version` is `major.minor`. */
export function isVersion(version: string): boolean {
  return /^\d{1,4}\.\d{1,4}$/.test(version);
}

export function encode(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

export function decodeEnvelope(body: Buffer): RpcEnvelope {
  const parsed = JSON.parse(body.toString('utf8')) as Partial<RpcEnvelope>;
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    typeof parsed.method !== 'string' ||
    typeof parsed.version !== 'string' ||
    typeof parsed.envelope_version !== 'string' ||
    typeof parsed.context !== 'object' ||
    parsed.context === null
  ) {
    throw new Error('malformed RPC envelope');
  }
  return parsed as RpcEnvelope;
}
