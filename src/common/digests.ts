/**
 * Hashes of image data as the agents' contract carries them (a list of {algo, value}) and as code compares
 * them (a map by algorithm), and the one comparison both the agent (proving a copy) and the conductor
 * (adopt, link, leftovers, drift) make: every algorithm both sides know must agree.
 */

/** A hash of image data: md5, sha256 or sha512, hex. */
export interface Digest {
  algo: string;
  value: string;
}

/** Hex digests by algorithm (lower-case). */
export type Digests = Partial<Record<string, string>>;

/** Digests as a map, lower-cased; empty values are dropped. */
export function digestMap(digests: readonly Digest[] | null | undefined): Digests {
  const map: Digests = {};
  for (const d of digests ?? []) if (d.algo && d.value) map[d.algo.toLowerCase()] = d.value.toLowerCase();
  return map;
}

export function digestList(map: Digests): Digest[] {
  return Object.entries(map)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== '')
    .map(([algo, value]) => ({ algo, value }));
}

/** The algorithms known to both sides, and each that differs (as `algo actual != expected`). */
export function compareDigests(
  expected: Digests,
  actual: Digests,
): { compared: string[]; problems: string[] } {
  const compared: string[] = [];
  const problems: string[] = [];
  for (const [algo, value] of Object.entries(expected)) {
    const other = actual[algo];
    if (!value || !other) continue;
    compared.push(algo);
    if (other !== value) problems.push(`${algo} ${other} != ${value}`);
  }
  return { compared, problems };
}
