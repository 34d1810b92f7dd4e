/**
 * Keyset pagination: a page is the rows after the marker row in (sort key, id) order, oldest first unless
 * another key or direction is asked for. Sort keys are columns that are never NULL.
 */
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

export interface Keyed {
  id: string;
  createdAt: Date;
}

export interface Sort {
  /** Column name (snake_case) and the entity property holding it. */
  column: string;
  property: string;
  dir: 'asc' | 'desc';
}

export const CREATED_ASC: Sort = { column: 'created_at', property: 'createdAt', dir: 'asc' };

/** The value a row holds in the sort's column. */
function keyOf(row: Keyed, sort: Sort): unknown {
  return (row as unknown as Record<string, unknown>)[sort.property];
}

/** pageAfter's condition for plain SQL (? placeholders): the rows after `marker` in (sort key, id) order. */
export function afterMarker(alias: string, marker: Keyed, sort: Sort): { sql: string; params: unknown[] } {
  const col = `${alias}.${sort.column}`;
  const op = sort.dir === 'asc' ? '>' : '<';
  const value = keyOf(marker, sort);
  return {
    sql: `(${col} ${op} ? OR (${col} = ? AND ${alias}.id ${op} ?))`,
    params: [value, value, marker.id],
  };
}

export async function pageAfter<T extends ObjectLiteral & Keyed>(
  qb: SelectQueryBuilder<T>,
  alias: string,
  marker: Keyed | undefined,
  limit: number,
  sort: Sort = CREATED_ASC,
): Promise<{ rows: T[]; nextMarker: string | null }> {
  const col = `${alias}.${sort.column}`;
  const op = sort.dir === 'asc' ? '>' : '<';
  if (marker) {
    qb.andWhere(`(${col} ${op} :mv OR (${col} = :mv AND ${alias}.id ${op} :mi))`, {
      mv: keyOf(marker, sort),
      mi: marker.id,
    });
  }
  const dir = sort.dir === 'asc' ? 'ASC' : 'DESC';
  const rows = await qb
    .orderBy(col, dir)
    .addOrderBy(`${alias}.id`, dir)
    .limit(limit + 1)
    .getMany();
  const page = rows.slice(0, limit);
  return { rows: page, nextMarker: rows.length > limit ? (page[page.length - 1]?.id ?? null) : null };
}
