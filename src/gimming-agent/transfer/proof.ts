/**
 * What proves a copy equal to its source: the hashes the target cloud reports for what it stored (when its
 * driver says it computes them), or hashes this agent computes over the bytes while it writes them (for a
 * cloud that reports none). Either way the proof says which hashes, and who computed them.
 */
import { type Hash, createHash } from 'node:crypto';
import type { DigestAlgo, DriverCapabilities } from '../drivers/driver';
import type { CloudImage, ImageDigests } from '../drivers/image';

export interface CopyProof {
  /**
   * Who computed the digests: the target cloud, or this agent in flight; provenance: the cloud made the
   * copy itself (a native copy), and the digests are those it carried over from the source, if any.
   */
  by: 'cloud' | 'agent' | 'provenance';
  digests: ImageDigests;
  /** The bytes written. */
  size: number;
}

const AGENT_ALGOS: readonly DigestAlgo[] = ['md5', 'sha256', 'sha512'];

/**
 * Hashes the bytes of a copy as they pass, when the target cloud reports no hashes itself: md5 and
 * sha512, and the algorithm the source's identity names if it is another one this agent computes.
 * Null (and nothing hashed: the path the bench measures) when the cloud reports its own.
 */
export class InFlightDigests {
  private readonly hashes = new Map<string, Hash>();
  private bytes = 0;

  private constructor(algos: readonly string[]) {
    for (const algo of algos) this.hashes.set(algo, createHash(algo));
  }

  static forTarget(capabilities: DriverCapabilities, expected: ImageDigests): InFlightDigests | null {
    if (capabilities.reportedHashes.length > 0) return null;
    const algos = new Set<string>(['md5', 'sha512']);
    for (const algo of Object.keys(expected)) {
      if ((AGENT_ALGOS as readonly string[]).includes(algo)) algos.add(algo);
    }
    return new InFlightDigests([...algos]);
  }

  update(chunk: Buffer): void {
    this.bytes += chunk.length;
    for (const hash of this.hashes.values()) hash.update(chunk);
  }

  /** The proof once every byte went through update (call once). */
  finish(): CopyProof {
    const digests: ImageDigests = {};
    for (const [algo, hash] of this.hashes) digests[algo] = hash.digest('hex');
    return { by: 'agent', digests, size: this.bytes };
  }
}

/** The proof of a written copy: the agent's digests when it computed them, else the cloud's record. */
export function proofOf(image: CloudImage, computed: InFlightDigests | null): CopyProof {
  if (computed) return computed.finish();
  return { by: 'cloud', digests: { ...image.digests }, size: image.size };
}
