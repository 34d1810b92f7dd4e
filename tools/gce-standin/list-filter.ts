/**
 * The `filter` of Compute list calls, as far as the stand-in reads it: comparisons `field = value`,
 * `field != value`, `field : value` (has), and the older `field eq regex` / `field ne regex`, joined by
 * `AND` (or juxtaposition, optionally in parentheses). Fields are dotted paths in the resource
 * (`name`, `status`, `family`, `labels.<key>`). `OR` and anything else is refused with GCE's 400.
 */
import { badRequest } from './errors';

type Term = { path: string[]; op: '=' | '!=' | ':' | 'eq' | 'ne'; value: string };

const TERM =
  /^\(?\s*([a-zA-Z][\w.]*)\s*(!=|=|:|\beq\b|\bne\b)\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s()]+)\s*\)?/;

export function parseFilter(filter: string | undefined): Term[] {
  const terms: Term[] = [];
  let rest = (filter ?? '').trim();
  while (rest) {
    const m = TERM.exec(rest);
    if (!m) throw badRequest(`Invalid list filter expression '${filter ?? ''}'.`, 'invalid');
    let value = m[3] ?? '';
    if (/^["'].*["']$/.test(value)) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    terms.push({ path: (m[1] ?? '').split('.'), op: m[2] as Term['op'], value });
    rest = rest.slice(m[0].length).trim();
    const and = /^AND\s+/i.exec(rest);
    if (and) rest = rest.slice(and[0].length);
    else if (/^OR\b/i.test(rest))
      throw badRequest(
        `Invalid list filter expression '${filter ?? ''}': the stand-in does not take OR.`,
        'invalid',
      );
  }
  return terms;
}

function valueAt(resource: Record<string, unknown>, path: string[]): unknown {
  let v: unknown = resource;
  for (const p of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
  return v;
}

export function matches(resource: Record<string, unknown>, terms: Term[]): boolean {
  return terms.every((t) => {
    const v = valueAt(resource, t.path);
    const s =
      typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
    switch (t.op) {
      case '=':
        return s === t.value;
      case '!=':
        return s !== t.value;
      case ':':
        return t.value === '*' ? s !== undefined : s !== undefined && s.includes(t.value);
      case 'eq':
        return s !== undefined && new RegExp(`^(?:${t.value})$`).test(s);
      case 'ne':
        return s === undefined || !new RegExp(`^(?:${t.value})$`).test(s);
    }
    return false;
  });
}
