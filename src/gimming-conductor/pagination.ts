/**
 * Keyset pagination, oldest first: a page is the rows after the marker row in (created_at, id) order.
 */
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

export interface Keyed {
  id: string;
  createdAt: Date;
}

export async function pageAfter<T extends ObjectLiteral & Keyed>(
  qb: SelectQueryBuilder<T>,
  alias: string,
  marker: Keyed | undefined,
  limit: number,
): Promise<{ rows: T[]; nextMarker: string | null }> {
  if (marker) {
    qb.andWhere(`(${alias}.created_at > :mc OR (${alias}.created_at = :mc AND ${alias}.id > :mi))`, {
      mc: marker.createdAt,
      mi: marker.id,
    });
  }
  const rows = await qb
    .orderBy(`${alias}.created_at`, 'ASC')
    .addOrderBy(`${alias}.id`, 'ASC')
    .limit(limit + 1)
    .getMany();
  const page = rows.slice(0, limit);
  return { rows: page, nextMarker: rows.length > limit ? (page[page.length - 1]?.id ?? null) : null };
}
