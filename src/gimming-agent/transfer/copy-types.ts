/**
 * The shapes a copy is run with: its options, where its bytes come from, and how it ended.
 */
import type { Readable } from 'node:stream';
import type { AgentClientOptions } from '../../common/grpc/agent-client';
import type { Image as RemoteImage } from '../../common/grpc/generated/gimming/agent/v2/Image';
import type { ConversionSettings } from '../conversion/convert-source';
import type { DriverRegistry } from '../drivers/registry';
import type { TransferMeter } from '../metrics';
import type { StagingStore } from '../staging/store';
import type { SharedReads } from './shared-read';
import type { CopyProof } from './proof';

export interface CopyOptions {
  drivers: DriverRegistry;
  peer: AgentClientOptions;
  progressIntervalMs: number;
  /** This agent's own staging area and address: staged data it holds itself is read from disk directly. */
  local?: { staging: StagingStore; shared?: SharedReads; address: () => string };
  /** Told of the bytes as they arrive and of each verified copy (the agent's metrics). */
  meter?: TransferMeter;
  /**
   * The zones whose clouds this agent reads itself ([agent] direct_read_zones; '*': every zone): a copy
   * from one of them reads the source cloud here instead of pulling from the source zone's agent.
   */
  directReadZones?: readonly string[];
  /** How this agent converts image data ([agent] image_conversion); absent: it converts none. */
  conversion?: ConversionSettings;
}

/** Where a copy's bytes come from: another agent's ReadImage stream, or this agent's own staging area. */
export interface ByteSource {
  stream: Readable;
  cancel(): void;
  /** Who serves the bytes, for messages. */
  peer: string;
  /**
   * The source's first failure, also one that came before anyone read the stream (a source refused at
   * once, while the target image was being created).
   */
  failure?: unknown;
}

/** How a copy ended: the copy as the cloud has it, and what proved it equal to the source. */
export interface CopyResult {
  image: RemoteImage;
  proof: CopyProof;
}
