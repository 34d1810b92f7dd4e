/** Compute Engine's rules for resource names and labels. */
import { invalidField } from './errors';

/** RFC 1035: 1-63 characters, a lower case letter first, then letters, digits or hyphens, not ending in a hyphen. */
export const NAME_RE = /^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/;

export function checkName(field: string, name: unknown): string {
  if (typeof name !== 'string' || !NAME_RE.test(name))
    throw invalidField(
      field,
      name,
      `Must be a match of regex '(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?|[1-9][0-9]{0,19})'`,
    );
  return name;
}

const LABEL_KEY_RE = /^\p{Ll}[\p{Ll}\p{Lo}\p{N}_-]{0,62}$/u;
const LABEL_VALUE_RE = /^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$/u;

/** Keys 1-63 characters, a lower case letter first; values 0-63; lower case letters, digits, `_` and `-`; 64 labels at most. */
export function checkLabels(
  field: string,
  labels: Record<string, string> | undefined,
): Record<string, string> {
  const out = labels ?? {};
  const keys = Object.keys(out);
  if (keys.length > 64)
    throw invalidField(field, `${keys.length} labels`, 'A resource can have at most 64 labels.');
  for (const k of keys) {
    if (!LABEL_KEY_RE.test(k))
      throw invalidField(
        `${field}.${k}`,
        k,
        'Label keys must start with a lowercase character, can only contain lowercase letters, numeric characters, underscores and dashes, and have at most 63 characters.',
      );
    const v = out[k];
    if (typeof v !== 'string' || !LABEL_VALUE_RE.test(v))
      throw invalidField(
        `${field}.${k}`,
        v,
        'Label values can only contain lowercase letters, numeric characters, underscores and dashes, and have at most 63 characters.',
      );
  }
  return out;
}
