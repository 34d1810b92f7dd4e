/**
 * What a WAN link's ends need to keep one TCP stream (and one gRPC stream over it) busy: windows of at least
 * the link's bandwidth-delay product. Pure arithmetic, so the benchmark and doc/source/admin/wan.rst agree
 * on the figures; the benchmark sets them in each zone's network namespace (GIMMING_BENCH_WAN_TUNE).
 */

const MiB = 1024 * 1024;

/** An unlimited link (rate 0) is sized as if it carried this much (bits per second). */
export const UNLIMITED_RATE_BPS = 10e9;
/** The agents' default [agent] flow_control_window; the bench never sets a smaller one. */
export const DEFAULT_FLOW_CONTROL_WINDOW = 8 * MiB;
/** The agents' default [agent] chunk_size; the bench never sets a smaller one. */
export const DEFAULT_CHUNK_SIZE = 512 * 1024;
/** Larger chunks cost the agents memory (a few of them in flight per copy) for nothing more. */
const MAX_CHUNK_SIZE = 4 * MiB;
/** How many data messages the source agent keeps handed to gRPC (gimming-agent/transfer/read.ts). */
export const SOURCE_WRITES_IN_FLIGHT = 4;
/** Linux's usual third field of tcp_rmem / tcp_wmem is 4-32 MiB; the tuning never goes under 4 MiB. */
const MIN_TCP_BUFFER = 4 * MiB;
/** gRPC's window is a 31-bit number; Linux caps tcp_*mem at INT_MAX as well. */
const MAX_WINDOW = 2 ** 30;

/** Bytes on the way in one round trip: rate x RTT (at least 1 ms of it, as a queue needs room on loopback). */
export function bdpBytes(rateBps: number, rttMs: number): number {
  const rate = rateBps > 0 ? rateBps : UNLIMITED_RATE_BPS;
  return Math.ceil(((rate / 8) * Math.max(rttMs, 1)) / 1000);
}

/** The smallest power of two >= n (n >= 1). */
export function nextPowerOfTwo(n: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(1, n)));
}

export interface LinkTuning {
  bdpBytes: number;
  /** The third field of net.ipv4.tcp_rmem and tcp_wmem: how far Linux may grow one socket's buffers. */
  tcpBufferMax: number;
  /** [agent] flow_control_window of the pulling (target) zone's agent. */
  flowControlWindow: number;
  /**
   * [agent] chunk_size of both agents: the source agent keeps SOURCE_WRITES_IN_FLIGHT chunks handed to
   * gRPC, so that many must hold a BDP or it waits on the link (the puller accepts messages up to its own).
   */
  chunkSize: number;
  /** Set in each zone's namespace (per-namespace sysctls: the root namespace keeps its own). */
  sysctls: Record<string, string>;
}

/**
 * TCP buffers of four BDPs (Linux counts the kernel's overhead in them and gives about half to the window;
 * the sender also keeps what is in flight until it is acked, and a loss holds a window's worth more while
 * it is repaired), a gRPC window of two BDPs (room for the link's queue) and data chunks of a quarter BDP
 * (at most 4 MiB), all rounded up to a power of
 * two and never under the usual defaults. net.core.rmem_max / wmem_max are left alone: they are not per
 * namespace, and they only bound what a program asks for with setsockopt, which the agents do not.
 */
export function linkTuning(rateBps: number, rttMs: number): LinkTuning {
  const bdp = bdpBytes(rateBps, rttMs);
  const tcpBufferMax = Math.min(MAX_WINDOW, Math.max(MIN_TCP_BUFFER, nextPowerOfTwo(4 * bdp)));
  const flowControlWindow = Math.min(
    MAX_WINDOW,
    Math.max(DEFAULT_FLOW_CONTROL_WINDOW, nextPowerOfTwo(2 * bdp)),
  );
  // The source agent keeps SOURCE_WRITES_IN_FLIGHT chunks handed to gRPC: together a BDP at least, or it
  // waits on the link (app-limited, as `ss` shows it) whatever the windows.
  const chunkSize = Math.min(
    MAX_CHUNK_SIZE,
    Math.max(DEFAULT_CHUNK_SIZE, nextPowerOfTwo(bdp / SOURCE_WRITES_IN_FLIGHT)),
  );
  return {
    bdpBytes: bdp,
    tcpBufferMax,
    flowControlWindow,
    chunkSize,
    sysctls: {
      'net.ipv4.tcp_rmem': `4096 131072 ${tcpBufferMax}`,
      'net.ipv4.tcp_wmem': `4096 16384 ${tcpBufferMax}`,
    },
  };
}

/** "33554432" -> "32 MiB", for the bench's report. */
export function formatBytes(n: number): string {
  return n >= MiB && n % MiB === 0 ? `${n / MiB} MiB` : `${(n / 1e6).toFixed(2)} MB`;
}
