/**
 * What the benchmarks read of a process from /proc.
 */
import { readFileSync } from 'node:fs';

/** Peak resident memory (VmHWM) of a process, in MiB. */
export function peakRssMiB(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1];
  if (!kb) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(kb) / 1024;
}
