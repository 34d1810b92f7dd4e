/**
 * limit / marker query parameters and the `next` link of a list answer.
 */
import type Koa from 'koa';
import { badRequest } from '../../common/errors';
import { isUuid } from '../schemas/v1';

export interface Paging {
  limit: number;
  marker?: string;
}

function single(ctx: Koa.Context, name: string): string | undefined {
  const value = ctx.query[name];
  if (Array.isArray(value))
    throw badRequest('gimming.request.invalid', `Query parameter ${name} is given more than once.`);
  return value;
}

export function queryString(ctx: Koa.Context, name: string): string | undefined {
  return single(ctx, name);
}

/** The longest cloud name or ID, and the longest image name (as the conductor's RPC schemas take them). */
export const MAX_REF_LENGTH = 255;

/** A cloud named in the query (name or ID): a value no cloud can have is a bad request. */
export function checkCloudQuery(value: string, name: string): string {
  if (value.length < 1 || value.length > MAX_REF_LENGTH) {
    throw badRequest(
      'gimming.request.invalid',
      `${name} must be a cloud name or ID (1 to ${MAX_REF_LENGTH} characters).`,
    );
  }
  return value;
}

/** limit and marker; `uuidMarker` false leaves the marker (any string) to the caller. */
export function paging(ctx: Koa.Context, defaultLimit: number, maxLimit: number, uuidMarker = true): Paging {
  const rawLimit = single(ctx, 'limit');
  let limit = defaultLimit;
  if (rawLimit !== undefined) {
    if (!/^\d{1,9}$/.test(rawLimit) || Number(rawLimit) < 1) {
      throw badRequest('gimming.request.invalid', 'limit must be a positive integer.');
    }
    limit = Math.min(Number(rawLimit), maxLimit);
  }
  const marker = uuidMarker ? single(ctx, 'marker') : undefined;
  if (marker !== undefined && !isUuid(marker))
    throw badRequest('gimming.list.bad_marker', 'marker must be an ID from a previous page.');
  return marker === undefined ? { limit } : { limit, marker };
}

export function booleanQuery(ctx: Koa.Context, name: string): boolean {
  const value = single(ctx, name);
  if (value === undefined) return false;
  if (/^(true|1|yes|on)$/i.test(value)) return true;
  if (/^(false|0|no|off)$/i.test(value)) return false;
  throw badRequest('gimming.request.invalid', `${name} must be true or false.`);
}

/** The link to the next page: the same query with the new marker. */
export function nextLink(ctx: Koa.Context, nextMarker: string | null): string | undefined {
  if (!nextMarker) return undefined;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(ctx.query)) {
    if (key !== 'marker' && typeof value === 'string') params.set(key, value);
  }
  params.set('marker', nextMarker);
  return `${ctx.path}?${params.toString()}`;
}
