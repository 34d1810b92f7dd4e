/**
 * What GIMinG keeps in a GCE image's `description`: the image's GIMinG name, its user properties, and
 * the proof of its bytes. GCE reports no hash of an image's data, and a label is too short for one (63
 * characters; a sha512 is 128 hex digits), so the proof goes, with the properties that no label could
 * hold either ("Ubuntu 22.04"), into the one free-text field GCE lets a project change later
 * (images.patch changes family, description and deprecation only):
 *
 *   GIMinG v1 {"name":"...","properties":{...},"proof":"v1 size=<bytes> sha512=<hex> md5=<hex>"}
 *
 * A description that is not one of these (an image made outside GIMinG) is kept as the property
 * gce_description, and the image has no proof until its bytes are proved.
 */
import { GimmingError } from '../../../common/errors';
import { type RecordedProof, decodeProof, encodeProof } from '../recorded-proof';

export { type RecordedProof, decodeProof, encodeProof };

export const PREFIX = 'GIMinG v1 ';
/** GCE's limit on a resource's description. */
export const MAX_DESCRIPTION = 2048;

export interface ImageRecord {
  name: string;
  properties: Record<string, string>;
  proof?: RecordedProof;
}

/** The description that records `record`; refuses one longer than GCE holds, before anything is made. */
export function encodeDescription(record: ImageRecord): string {
  const text =
    PREFIX +
    JSON.stringify({
      name: record.name,
      properties: record.properties,
      ...(record.proof ? { proof: encodeProof(record.proof) } : {}),
    });
  if (text.length > MAX_DESCRIPTION) {
    throw new GimmingError(
      'gimming.cloud.bad_property',
      400,
      `The image's name and properties take ${text.length} characters in GCE's image description, ` +
        `which holds ${MAX_DESCRIPTION} (with the proof of its bytes): fewer or shorter properties, please.`,
    );
  }
  return text;
}

/** The record a description holds; for a description GIMinG did not write, its text as a property. */
export function decodeDescription(description: string | null | undefined): Partial<ImageRecord> {
  const text = description ?? '';
  if (!text.startsWith(PREFIX)) return text ? { properties: { gce_description: text } } : {};
  try {
    const parsed = JSON.parse(text.slice(PREFIX.length)) as {
      name?: unknown;
      properties?: unknown;
      proof?: unknown;
    };
    const properties: Record<string, string> = {};
    if (parsed.properties && typeof parsed.properties === 'object' && !Array.isArray(parsed.properties)) {
      for (const [k, v] of Object.entries(parsed.properties as Record<string, unknown>)) {
        if (typeof v === 'string') properties[k] = v;
      }
    }
    const proof = decodeProof(parsed.proof);
    return {
      ...(typeof parsed.name === 'string' ? { name: parsed.name } : {}),
      properties,
      ...(proof ? { proof } : {}),
    };
  } catch {
    return { properties: { gce_description: text } };
  }
}
