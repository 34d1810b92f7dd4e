/**
 * How a copy that holds its image converted to another disk format says so in its cloud: properties
 * (tags, labels) the target agent sets when it creates the copy, and that the conductor reads when it
 * checks the copy again (drift, link, leftovers). The converted bytes differ from the source's by design;
 * these name the source's identity the conversion was made from and the converted bytes' own.
 */
import type { Digests } from './digests';

/** The disk format the copy was converted from. */
export const CONVERTED_FROM_PROPERTY = 'gimming_converted_from';
/** The size and hashes of the source's bytes (the image's identity), verified before the conversion. */
export const SOURCE_SIZE_PROPERTY = 'gimming_source_size';
export const SOURCE_MD5_PROPERTY = 'gimming_source_md5';
export const SOURCE_SHA512_PROPERTY = 'gimming_source_sha512';
/** The size and hashes of the converted bytes, as the agent computed them before it wrote the copy. */
export const CONVERTED_SIZE_PROPERTY = 'gimming_converted_size';
export const CONVERTED_MD5_PROPERTY = 'gimming_converted_md5';
export const CONVERTED_SHA512_PROPERTY = 'gimming_converted_sha512';

/** What a converted copy records of itself. */
export interface ConversionRecord {
  from: string;
  /** The source's size and hashes (sha512 always; md5 when the image's identity names one). */
  source: { size: number; digests: Digests };
  converted: { size: number; digests: Digests };
}

export function conversionProperties(record: ConversionRecord): Record<string, string> {
  const props: Record<string, string> = {
    [CONVERTED_FROM_PROPERTY]: record.from,
    [SOURCE_SIZE_PROPERTY]: String(record.source.size),
    [CONVERTED_SIZE_PROPERTY]: String(record.converted.size),
  };
  if (record.source.digests.md5) props[SOURCE_MD5_PROPERTY] = record.source.digests.md5;
  if (record.source.digests.sha512) props[SOURCE_SHA512_PROPERTY] = record.source.digests.sha512;
  if (record.converted.digests.md5) props[CONVERTED_MD5_PROPERTY] = record.converted.digests.md5;
  if (record.converted.digests.sha512) props[CONVERTED_SHA512_PROPERTY] = record.converted.digests.sha512;
  return props;
}

/** The conversion a copy's properties record, or null when they record none (or an incomplete one). */
export function conversionOf(properties: Readonly<Record<string, string>>): ConversionRecord | null {
  const from = properties[CONVERTED_FROM_PROPERTY];
  const sourceSize = Number(properties[SOURCE_SIZE_PROPERTY]);
  const size = Number(properties[CONVERTED_SIZE_PROPERTY]);
  const source: Digests = {};
  const sourceMd5 = properties[SOURCE_MD5_PROPERTY];
  const sourceSha = properties[SOURCE_SHA512_PROPERTY];
  if (sourceMd5) source.md5 = sourceMd5.toLowerCase();
  if (sourceSha) source.sha512 = sourceSha.toLowerCase();
  if (!from || !sourceSha || !Number.isSafeInteger(sourceSize) || !Number.isSafeInteger(size)) return null;
  const digests: Digests = {};
  const md5 = properties[CONVERTED_MD5_PROPERTY];
  const sha512 = properties[CONVERTED_SHA512_PROPERTY];
  if (md5) digests.md5 = md5.toLowerCase();
  if (sha512) digests.sha512 = sha512.toLowerCase();
  return { from, source: { size: sourceSize, digests: source }, converted: { size, digests } };
}
