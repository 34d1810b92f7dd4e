/**
 * Bandwidth caps as people write them: a number of bytes per second, or a number with a unit. Decimal
 * units (K, M, G, with an optional B and /s) are powers of 1000, binary ones (Ki, Mi, Gi) of 1024, and a
 * lowercase "bit" unit (Kbit, Mbit, Gbit) counts bits, as tc and link speeds do: "100M", "100MB/s",
 * "80MiB/s", "1Gbit", "800Mbps" (bits), "10MBps" (bytes). Used by the REST API (the max_bandwidth of a sync, an upload, a cloud), the CLI and the dashboard.
 */

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  ki: 1024,
  kib: 1024,
  mi: 1024 ** 2,
  mib: 1024 ** 2,
  gi: 1024 ** 3,
  gib: 1024 ** 3,
  kbit: 1e3 / 8,
  mbit: 1e6 / 8,
  gbit: 1e9 / 8,
};

const BANDWIDTH_RE = /^(\d+(?:\.\d+)?) *([a-z]*)$/i;

/** The smallest cap taken (1 KiB/s): below it a copy of any image would never end in practice. */
export const MIN_BANDWIDTH = 1024;

/**
 * Bytes per second of a cap written as a number or a string with a unit; undefined when it is not one.
 * A cap under MIN_BANDWIDTH is no cap either (the caller says so).
 */
export function parseBandwidth(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? Math.floor(value) : undefined;
  const text = value.trim();
  const m = BANDWIDTH_RE.exec(text.endsWith('/s') ? text.slice(0, -2).trimEnd() : text);
  if (!m) return undefined;
  const raw = m[2] ?? '';
  // "100Mbps" (bits, as links are sold) and "10MBps" (bytes): per second written as a suffix.
  const name = raw.endsWith('bps')
    ? `${raw.slice(0, -3).toLowerCase()}bit`
    : raw.endsWith('Bps')
      ? raw.slice(0, -3).toLowerCase()
      : raw.toLowerCase();
  const unit = UNITS[name];
  if (unit === undefined) return undefined;
  const bytes = Math.floor(Number(m[1]) * unit);
  return bytes > 0 && Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** A cap for messages: "12.5 MB/s (12500000 bytes/s)". */
export function formatBandwidth(bytesPerS: number): string {
  const [n, unit] =
    bytesPerS >= 1e9
      ? [bytesPerS / 1e9, 'GB/s']
      : bytesPerS >= 1e6
        ? [bytesPerS / 1e6, 'MB/s']
        : [bytesPerS / 1e3, 'kB/s'];
  return `${Math.round(n * 100) / 100} ${unit} (${bytesPerS} bytes/s)`;
}

/** The lowest of the caps given (0 or undefined: none); 0 when there is none. */
export function lowestCap(...caps: (number | null | undefined)[]): number {
  const set = caps.filter((c): c is number => typeof c === 'number' && c > 0);
  return set.length > 0 ? Math.min(...set) : 0;
}
