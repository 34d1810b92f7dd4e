/**
 * The read path's rows (an image shown, a page listed): images, their copies and the copies' clouds read in
 * one query, as mysql2's plain rows through DataSource.query, and made into the entities' shapes here.
 *
 * Why not TypeORM's query builder and entities: under 50 clients (npm run bench:load) building the SQL and
 * hydrating entities was about a third of the conductor's time for a read, and a show took three queries
 * (the image, its copies, every cloud) where one join does. The objects made hold exactly what TypeORM
 * would hydrate (tests/unit/gimming-conductor/image-rows.test.ts compares every column), so the views
 * (views.ts) made from them are the same, byte for byte.
 */
import type { DataSource } from 'typeorm';
import type { CloudRow, ImageRow, LocationRow } from './db/entities';

/** A property's column; `bigint` for a BIGINT, which mysql2 gives as a string (bigNumberStrings). */
type Column = string | { bigint: string };

/** Every property of entity `T` and its column: a property added to the entity must be added here. */
type Columns<T> = { readonly [K in keyof T]-?: Column };

interface Table<T> {
  alias: string;
  columns: Columns<T>;
}

const IMAGE: Table<ImageRow> = {
  alias: 'i',
  columns: {
    id: 'id',
    specName: 'spec_name',
    owner: 'owner',
    specVisibility: 'spec_visibility',
    status: 'status',
    size: { bigint: 'size' },
    checksum: 'checksum',
    osHashAlgo: 'os_hash_algo',
    osHashValue: 'os_hash_value',
    spec: 'spec',
    stagingAgent: 'staging_agent',
    stagingReserved: { bigint: 'staging_reserved' },
    maxBandwidth: { bigint: 'max_bandwidth' },
    createdAt: 'created_at',
    updatedAt: 'updated_at',
  },
};

const LOCATION: Table<LocationRow> = {
  alias: 'l',
  columns: {
    id: 'id',
    imageId: 'image_id',
    owner: 'owner',
    cloudId: 'cloud_id',
    remoteId: 'remote_id',
    status: 'status',
    taskId: 'task_id',
    lastVerifiedAt: 'last_verified_at',
    proof: 'proof',
    createdAt: 'created_at',
    updatedAt: 'updated_at',
  },
};

const CLOUD: Table<CloudRow> = {
  alias: 'c',
  columns: {
    id: 'id',
    name: 'name',
    type: 'type',
    regionName: 'region_name',
    zone: 'zone',
    scope: 'scope',
    owner: 'owner',
    authUrl: 'auth_url',
    credentialsRef: 'credentials_ref',
    options: 'options',
    createdAt: 'created_at',
    updatedAt: 'updated_at',
  },
};

const columnName = (c: Column): string => (typeof c === 'string' ? c : c.bigint);

/** `i.spec_name AS i_spec_name, ...`: each column under a name of its own in the joined row. */
function selectList<T>(table: Table<T>): string {
  const { alias } = table;
  return Object.values<Column>(table.columns as Record<string, Column>)
    .map((c) => `${alias}.${columnName(c)} AS ${alias}_${columnName(c)}`)
    .join(', ');
}

/**
 * Reads `table`'s entity out of a joined row; undefined when its columns are NULL (a LEFT JOIN that found
 * nothing: its primary key is NULL). Values as TypeORM hydrates them: BIGINTs as numbers, DATETIMEs as
 * the Dates mysql2 made (timezone 'Z'), NULL as null.
 */
function readEntity<T>(table: Table<T>, raw: Record<string, unknown>): T | undefined {
  if (raw[`${table.alias}_id`] === null || raw[`${table.alias}_id`] === undefined) return undefined;
  const entity: Record<string, unknown> = {};
  for (const [property, column] of Object.entries<Column>(table.columns as Record<string, Column>)) {
    const value = raw[`${table.alias}_${columnName(column)}`];
    entity[property] = typeof column === 'string' || value === null ? value : Number(value);
  }
  return entity as T;
}

/** An image with its copies (in the order of their clouds' IDs), and each copy's cloud by ID. */
export interface ImageWithCopies {
  image: ImageRow;
  locations: LocationRow[];
}

export interface ReadRows {
  images: ImageWithCopies[];
  clouds: Map<string, CloudRow>;
}

/** Groups joined rows (image, copy, cloud) by image, in the order the images first come. */
export function groupRows(raws: Array<Record<string, unknown>>): ReadRows {
  const byId = new Map<string, ImageWithCopies>();
  const clouds = new Map<string, CloudRow>();
  for (const raw of raws) {
    const id = raw.i_id as string;
    let entry = byId.get(id);
    if (!entry) {
      entry = { image: readEntity(IMAGE, raw) as ImageRow, locations: [] };
      byId.set(id, entry);
    }
    const location = readEntity(LOCATION, raw);
    if (location) entry.locations.push(location);
    const cloud = readEntity(CLOUD, raw);
    if (cloud && !clouds.has(cloud.id)) clouds.set(cloud.id, cloud);
  }
  return { images: [...byId.values()], clouds };
}

const JOINED = `${selectList(IMAGE)}, ${selectList(LOCATION)}, ${selectList(CLOUD)}`;
const COPIES = 'LEFT JOIN locations l ON l.image_id = i.id LEFT JOIN clouds c ON c.id = l.cloud_id';

/** One image (deleted or not: the caller decides what it may see) with its copies and their clouds. */
export async function readImage(db: DataSource, id: string): Promise<ReadRows> {
  return groupRows(
    await db.query(`SELECT ${JOINED} FROM images i ${COPIES} WHERE i.id = ? ORDER BY l.cloud_id`, [id]),
  );
}

/** One image's own row (a listing's marker), without its copies. */
export async function readImageRow(db: DataSource, id: string): Promise<ImageRow | undefined> {
  const raws: Array<Record<string, unknown>> = await db.query(
    `SELECT ${selectList(IMAGE)} FROM images i WHERE i.id = ?`,
    [id],
  );
  return raws[0] ? readEntity(IMAGE, raws[0]) : undefined;
}

/** A page query's parts: its conditions on `i` (SQL with ? placeholders) and their values, in order. */
export interface PageQuery {
  where: string[];
  params: unknown[];
  /** The column sorted on (one of images' own, never NULL) and the direction. */
  column: string;
  dir: 'ASC' | 'DESC';
  /** Rows asked for (the page's limit and one more, to know whether a next page exists). */
  rows: number;
}

/**
 * The images of a page (the first `rows` after the conditions, in (column, id) order), each with its copies
 * and their clouds, in one query: the page is chosen in a derived table, then joined.
 */
export async function readPage(db: DataSource, q: PageQuery): Promise<ReadRows> {
  const order = `i.${q.column} ${q.dir}, i.id ${q.dir}`;
  const page = `SELECT * FROM images i WHERE ${q.where.join(' AND ')} ORDER BY ${order} LIMIT ?`;
  return groupRows(
    await db.query(`SELECT ${JOINED} FROM (${page}) i ${COPIES} ORDER BY ${order}, l.cloud_id`, [
      ...q.params,
      q.rows,
    ]),
  );
}

/** For tests: the tables read, to compare with TypeORM's metadata. */
export const TABLES = { images: IMAGE, locations: LOCATION, clouds: CLOUD } as const;
/** For tests: an entity read from a row whose columns are named `<alias>_<column>`. */
export const readEntityForTest = readEntity;
