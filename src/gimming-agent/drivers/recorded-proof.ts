/**
 * The proof of a copy's bytes an agent records in a cloud that reports no hash of its images (EC2 in an
 * AMI's tag, GCE in an image's description): `v1 size=<bytes> sha512=<hex> md5=<hex>` (sha256 too when
 * given and there is room), read back as the image's digests so that a later link or drift check proves
 * the same bytes.
 */
import type { ImageDigests } from './image';

const HEX = { md5: 32, sha256: 64, sha512: 128 } as const;

export interface RecordedProof {
  size: number;
  digests: ImageDigests;
}

/** The proof as text of at most `maxLength` characters: sha256 goes first (size, sha512 and md5 fit 256). */
export function encodeProof(proof: RecordedProof, maxLength = Infinity): string {
  const parts = [`v1 size=${String(proof.size)}`];
  for (const algo of ['sha512', 'sha256', 'md5'] as const) {
    const value = proof.digests[algo];
    if (value) parts.push(`${algo}=${value}`);
  }
  const text = parts.join(' ');
  return text.length > maxLength ? parts.filter((p) => !p.startsWith('sha256=')).join(' ') : text;
}

/** The proof a text records; undefined for one that is not a proof (never trusted half-read). */
export function decodeProof(value: unknown): RecordedProof | undefined {
  if (typeof value !== 'string' || !value) return undefined;
  const [version, ...fields] = value.trim().split(/\s+/);
  if (version !== 'v1') return undefined;
  let size: number | undefined;
  const digests: ImageDigests = {};
  for (const field of fields) {
    const [key, v] = field.split('=', 2);
    if (key === 'size' && v && /^\d{1,16}$/.test(v)) size = Number(v);
    else if (key && key in HEX && v && new RegExp(`^[0-9a-f]{${HEX[key as keyof typeof HEX]}}$`).test(v)) {
      digests[key] = v;
    } else return undefined;
  }
  if (size === undefined || Object.keys(digests).length === 0) return undefined;
  return { size, digests };
}
