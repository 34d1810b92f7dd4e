/**
 * gimming-agent's metrics: the gRPC calls it serves (by method and status code), the image bytes it moves,
 * how fast each copy went, its staging area, and its heartbeats.
 */
import * as grpc from '@grpc/grpc-js';
import type { Registry } from 'prom-client';
import { Counter, Gauge, Histogram, exponentialBuckets } from 'prom-client';
import { DURATION_BUCKETS, createRegistry } from '../common/metrics';
import type { ReadKind, SourceKind, SourceMeter } from './transfer/shared-read';

/**
 * in: bytes a copy brought into this agent's cloud; out: bytes this agent served to another agent's copy
 * (ReadImage, from its cloud or its staging area); staged: bytes written into its staging area (uploads,
 * imports from a URL).
 */
export type Direction = 'in' | 'out' | 'staged';

/** What the transfers report as they go; every method is cheap enough to call per chunk. */
export interface TransferMeter {
  bytes(direction: Direction, count: number): void;
  /** A copy into this agent's cloud ended verified: `bytes` in `seconds`. */
  copyFinished(bytes: number, seconds: number): void;
  /**
   * An incremental copy's blocks (delta.ts): sent (changed blocks this agent served), received (changed
   * blocks its copy pulled), reused (taken from its cloud's copy of the base instead of crossing), hashes
   * (the base's block hashes a source agent was sent).
   */
  delta?(kind: DeltaKind, count: number): void;
}

export type DeltaKind = 'sent' | 'received' | 'reused' | 'hashes';

export class AgentMetrics implements TransferMeter, SourceMeter {
  readonly registry: Registry;
  private readonly calls: Counter<'method' | 'code'>;
  private readonly callDuration: Histogram<'method' | 'code'>;
  private readonly copied: Counter<'direction' | 'zone'>;
  private readonly throughput: Histogram<'zone'>;
  private readonly heartbeats: Counter<'zone'>;
  private readonly sourceRead_: Counter<'from' | 'zone'>;
  private readonly sourceReads: Counter<'kind' | 'zone'>;
  private readonly heartbeatFailures: Counter<'zone'>;
  private readonly deltaBytes: Counter<'kind' | 'zone'>;

  constructor(
    private readonly zone: string,
    staging: { readonly usedBytes: number; readonly maxBytes: number },
  ) {
    const registry = createRegistry('agent');
    this.registry = registry;
    this.calls = new Counter({
      name: 'gimming_agent_grpc_requests_total',
      help: 'gRPC calls this agent answered, by method and status code (refused calls included).',
      labelNames: ['method', 'code'],
      registers: [registry],
    });
    this.callDuration = new Histogram({
      name: 'gimming_agent_grpc_duration_seconds',
      help: 'Seconds from the start of a gRPC call to its status (a copy lasts as long as the copy).',
      labelNames: ['method', 'code'],
      buckets: DURATION_BUCKETS,
      registers: [registry],
    });
    this.copied = new Counter({
      name: 'gimming_agent_bytes_copied_total',
      help:
        'Image bytes moved by this agent, counted as they flow: in (copied into its cloud), out (served to ' +
        "another agent's copy), staged (written into its staging area).",
      labelNames: ['direction', 'zone'],
      registers: [registry],
    });
    this.throughput = new Histogram({
      name: 'gimming_agent_copy_throughput_bytes_per_second',
      help:
        "Bytes per second of each copy into this agent's cloud that ended verified, from the first byte " +
        "pulled to the cloud's acknowledgement of the upload.",
      labelNames: ['zone'],
      buckets: exponentialBuckets(128 * 1024, 2, 15), // 128 KiB/s to 2 GiB/s
      registers: [registry],
    });
    const used: Gauge<'zone'> = new Gauge({
      name: 'gimming_agent_staging_bytes',
      help: 'Bytes held or reserved (uploads under way, at their declared size) in the staging area.',
      labelNames: ['zone'],
      registers: [registry],
      collect: () => used.set({ zone }, staging.usedBytes),
    });
    const max = new Gauge({
      name: 'gimming_agent_staging_max_bytes',
      help: 'Most bytes the staging area may hold ([agent] staging_max_bytes).',
      labelNames: ['zone'],
      registers: [registry],
    });
    max.set({ zone }, staging.maxBytes);
    this.sourceRead_ = new Counter({
      name: 'gimming_agent_source_bytes_read_total',
      help:
        'Image bytes this agent read out of a source (from: cloud or staging) to serve copies: a read shared ' +
        'by several copies counts once, a reader that re-reads the source (detached) counts again.',
      labelNames: ['from', 'zone'],
      registers: [registry],
    });
    this.sourceReads = new Counter({
      name: 'gimming_agent_source_reads_total',
      help:
        'Readers of image data this agent served, by kind: shared (the first of a group, which opens the ' +
        'read), joined (served from that read), own (a read of its own), detached (fell a window behind ' +
        'and went on with a read of its own).',
      labelNames: ['kind', 'zone'],
      registers: [registry],
    });
    this.heartbeats = new Counter({
      name: 'gimming_agent_heartbeats_sent_total',
      help: 'Heartbeats this agent sent to the conductor.',
      labelNames: ['zone'],
      registers: [registry],
    });
    this.heartbeatFailures = new Counter({
      name: 'gimming_agent_heartbeat_failures_total',
      help: 'Heartbeats this agent could not send (the messaging service was unreachable).',
      labelNames: ['zone'],
      registers: [registry],
    });
    this.deltaBytes = new Counter({
      name: 'gimming_agent_delta_bytes_total',
      help:
        'Bytes of incremental copies, by kind: sent (blocks that differ, served by this agent), received ' +
        "(those its copies pulled), reused (taken from its cloud's copy of the base, not moved), hashes (the " +
        'block hashes of bases this agent was sent).',
      labelNames: ['kind', 'zone'],
      registers: [registry],
    });
    for (const kind of ['sent', 'received', 'reused', 'hashes'] as const)
      this.deltaBytes.inc({ kind, zone }, 0);
    // Series that exist from the start, at 0, so that rate() and alerts see the first increase.
    for (const direction of ['in', 'out', 'staged'] as const) this.copied.inc({ direction, zone }, 0);
    for (const from of ['cloud', 'staging'] as const) this.sourceRead_.inc({ from, zone }, 0);
    for (const kind of ['shared', 'joined', 'own', 'detached'] as const)
      this.sourceReads.inc({ kind, zone }, 0);
    this.heartbeats.inc({ zone }, 0);
    this.heartbeatFailures.inc({ zone }, 0);
  }

  delta(kind: DeltaKind, count: number): void {
    if (count > 0) this.deltaBytes.inc({ kind, zone: this.zone }, count);
  }

  bytes(direction: Direction, count: number): void {
    if (count > 0) this.copied.inc({ direction, zone: this.zone }, count);
  }

  sourceBytes(from: SourceKind, count: number): void {
    if (count > 0) this.sourceRead_.inc({ from, zone: this.zone }, count);
  }

  sourceRead(kind: ReadKind): void {
    this.sourceReads.inc({ kind, zone: this.zone });
  }

  copyFinished(bytes: number, seconds: number): void {
    this.throughput.observe({ zone: this.zone }, bytes / Math.max(seconds, 0.001));
  }

  heartbeatSent(): void {
    this.heartbeats.inc({ zone: this.zone });
  }

  heartbeatFailed(): void {
    this.heartbeatFailures.inc({ zone: this.zone });
  }

  /**
   * Counts and times every call by the status it ends with. It must come first in the server's list of
   * interceptors: grpc-js nests each interceptor around the ones before it, and a call the authentication
   * interceptor refuses sends its status through the interceptors inside it only.
   */
  interceptor(): grpc.ServerInterceptor {
    return (method, call) => {
      const started = process.hrtime.bigint();
      const name = method.path.slice(method.path.lastIndexOf('/') + 1);
      let recorded = false;
      const record = (code: grpc.status) => {
        if (recorded) return;
        recorded = true;
        const labels = { method: name, code: grpc.status[code] ?? String(code) };
        this.calls.inc(labels);
        this.callDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
      };
      return new grpc.ServerInterceptingCall(call, {
        start(next) {
          next({
            onCancel() {
              record(grpc.status.CANCELLED);
            },
          });
        },
        sendStatus(status, next) {
          record(status.code);
          next(status);
        },
      });
    };
  }
}
