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
