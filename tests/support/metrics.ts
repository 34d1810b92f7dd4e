/**
 * What tests and benchmarks read of a daemon's Prometheus metrics (its /metrics page on loopback).
 */
import { http } from './http';

/** A counter's value at `port`'s /metrics, summed over its label sets that hold all of `labels`. */
export async function counterSum(
  port: number,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const res = await http('GET', `http://127.0.0.1:${port}/metrics`);
  if (res.status !== 200) throw new Error(`GET :${port}/metrics: HTTP ${res.status}`);
  let sum = 0;
  for (const line of res.text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/**
 * The bytes of incremental copies from the agents' metrics, source agent at `sourcePort`, target agent at
 * `targetPort`: changed blocks sent and received, blocks taken from the base, and bytes sent in full
 * (ReadImage); subtract two of them to see what one copy moved.
 */
export async function deltaBytes(
  sourcePort: number,
  targetPort: number,
): Promise<{ sent: number; received: number; reused: number; out: number }> {
  return {
    sent: await counterSum(sourcePort, 'gimming_agent_delta_bytes_total', { kind: 'sent' }),
    received: await counterSum(targetPort, 'gimming_agent_delta_bytes_total', { kind: 'received' }),
    reused: await counterSum(targetPort, 'gimming_agent_delta_bytes_total', { kind: 'reused' }),
    out: await counterSum(sourcePort, 'gimming_agent_bytes_copied_total', { direction: 'out' }),
  };
}

/** What `after` counted beyond `before`, field by field. */
export function countedSince<T extends Record<string, number>>(after: T, before: T): T {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)])) as T;
}
