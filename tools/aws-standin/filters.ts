/** EC2's describe filters: `Name` + `Values` (OR within a filter, AND between), with * and ? wildcards. */
import { AwsError } from './errors';
import type { Tags } from './state';

export interface Filter {
  Name?: string;
  Values?: string[];
}

function wildcard(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 's');
}

/** A record's values for one filter name (undefined: the resource has no such filter). */
export type FilterFields = (name: string) => string[] | undefined;

export function tagFields(tags: Tags, name: string): string[] | undefined {
  if (name.startsWith('tag:')) {
    const v = tags[name.slice(4)];
    return v === undefined ? [] : [v];
  }
  if (name === 'tag-key') return Object.keys(tags);
  if (name === 'tag-value') return Object.values(tags);
  return undefined;
}

/** Checks the filter names first (an unknown one is refused, as EC2 does), then filters. */
export function applyFilters<T>(
  items: T[],
  filters: Filter[] | undefined,
  fields: (item: T, name: string) => string[] | undefined,
  known: string[],
): T[] {
  if (!filters?.length) return items;
  for (const f of filters) {
    const name = f.Name ?? '';
    if (!known.includes(name) && !name.startsWith('tag:') && name !== 'tag-key' && name !== 'tag-value') {
      throw new AwsError('InvalidParameterValue', `The filter '${name}' is invalid`);
    }
  }
  return items.filter((item) =>
    filters.every((f) => {
      const values = fields(item, f.Name ?? '') ?? [];
      const patterns = (f.Values ?? []).map(wildcard);
      return values.some((v) => patterns.some((p) => p.test(v)));
    }),
  );
}

export function tagList(tags: Tags): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}
