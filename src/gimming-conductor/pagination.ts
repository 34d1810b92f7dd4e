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
      mv: (marker as unknown as Record<string, unknown>)[sort.property],
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
