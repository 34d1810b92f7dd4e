/**
 * The read path's plain rows (image-rows.ts) against TypeORM's entities: for rows as mysql2 gives them
 * (DATETIMEs as Dates, BIGINTs as strings, NULLs), every column of images, locations and clouds is read to
 * the value TypeORM hydrates, and the views made from both are the same JSON, byte for byte.
 */
import assert from 'node:assert/strict';
import { DataSource, type EntityMetadata, type ObjectLiteral } from 'typeorm';
import { RawSqlResultsToEntityTransformer } from 'typeorm/query-builder/transformer/RawSqlResultsToEntityTransformer';
import { CloudRow, ENTITIES, ImageRow, LocationRow } from '../../../src/gimming-conductor/db/entities';
import { TABLES, groupRows, readEntityForTest } from '../../../src/gimming-conductor/image-rows';
import { imageView, locationView } from '../../../src/gimming-conductor/views';

/** A DataSource with the conductor's metadata, never connected. */
async function metadataOnly(): Promise<DataSource> {
  const ds = new DataSource({
    type: 'mysql',
    database: 'never-connected',
    entities: ENTITIES,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  await (ds as unknown as { buildMetadatas(): Promise<void> }).buildMetadatas();
  return ds;
}

/**
 * A row of `metadata`'s columns under `<alias>_<column>`, every one set (or every nullable one NULL), as
 * mysql2 gives it: DATETIME(3) a Date, BIGINT a string, INT a number, BOOLEAN 0 or 1, text a string.
 */
function rawRow(
  metadata: EntityMetadata,
  alias: string,
  seed: number,
  nulls = false,
): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  metadata.columns.forEach((column, n) => {
    const name = `${alias}_${column.databaseName}`;
    const type = String(column.type);
    if (nulls && column.isNullable) raw[name] = null;
    else if (type === 'datetime') raw[name] = new Date(Date.UTC(2026, 0, 1, 12, 0, seed, n * 7 + 1));
    else if (type === 'bigint') raw[name] = String(9_007_199_254_740_000 + seed * 100 + n);
    else if (type === 'int') raw[name] = seed * 100 + n;
    else if (type === 'boolean') raw[name] = 1;
    else if (column.databaseName === 'spec')
      raw[name] = JSON.stringify({
        disk_format: 'qcow2',
        container_format: 'bare',
        min_disk: 2,
        min_ram: 512,
        properties: { os_distro: 'debian', 'gimming:x': 'y' },
        replaces: { c: 'old' },
      });
    else raw[name] = `${column.propertyName}-${seed}`;
  });
  return raw;
}

/** What TypeORM's query builder hydrates from the same row (its column aliases are `<alias>_<column>`). */
function hydrated<T extends ObjectLiteral>(
  ds: DataSource,
  entity: new () => T,
  alias: string,
  raws: Array<Record<string, unknown>>,
): T[] {
  const qb = ds.createQueryBuilder(entity, alias);
  const transformer = new RawSqlResultsToEntityTransformer(qb.expressionMap, ds.driver, [], undefined);
  return transformer.transform(raws, qb.expressionMap.mainAlias as never) as T[];
}

describe('read path rows (image-rows)', () => {
  let ds: DataSource;
  before(async () => {
    ds = await metadataOnly();
  });

  const cases = [
    { table: 'images', entity: ImageRow, alias: 'i' },
    { table: 'locations', entity: LocationRow, alias: 'l' },
    { table: 'clouds', entity: CloudRow, alias: 'c' },
  ] as const;

  for (const { table, entity, alias } of cases) {
    it(`reads every column of ${table} as TypeORM hydrates it`, () => {
      const metadata = ds.getMetadata(entity);
      const read = TABLES[table];
      assert.equal(read.alias, alias);
      const columns = (c: string | { bigint: string }) => (typeof c === 'string' ? c : c.bigint);
      assert.deepEqual(
        Object.values<string | { bigint: string }>(read.columns as never)
          .map(columns)
          .sort(),
        metadata.columns.map((c) => c.databaseName).sort(),
      );
      for (const nulls of [false, true]) {
        const raw = rawRow(metadata, alias, 3, nulls);
        const [orm] = hydrated(ds, entity as new () => ObjectLiteral, alias, [raw]);
        assert.deepEqual(readEntityForTest(read as never, raw), { ...orm }, `nulls: ${nulls}`);
      }
    });
  }

  it('gives the same views as the entities for a fully populated image with copies', () => {
    const images = ds.getMetadata(ImageRow);
    const locations = ds.getMetadata(LocationRow);
    const clouds = ds.getMetadata(CloudRow);
    const image = rawRow(images, 'i', 1);
    const copies = [2, 3].map((seed) => ({
      ...rawRow(locations, 'l', seed),
      l_image_id: image.i_id,
      l_cloud_id: `cloud-${seed}`,
    }));
    const joined = copies.map((copy, n) => ({
      ...image,
      ...copy,
      ...rawRow(clouds, 'c', n + 2),
      c_id: copy.l_cloud_id,
    }));

    const [ormImage] = hydrated(ds, ImageRow, 'i', [image]);
    const ormCopies = hydrated(ds, LocationRow, 'l', copies);
    const ormClouds = hydrated(
      ds,
      CloudRow,
      'c',
      joined.map((j) => Object.fromEntries(Object.entries(j).filter(([k]) => k.startsWith('c_')))),
    );
    const names = new Map(ormClouds.map((c) => [c.id, c.name]));
    const entityView = imageView(
      ormImage as ImageRow,
      ormCopies.map((l) => locationView(l, names.get(l.cloudId) ?? l.cloudId)),
    );

    const rows = groupRows(joined);
    assert.equal(rows.images.length, 1);
    const [entry] = rows.images;
    const rawView = imageView(
      entry?.image as ImageRow,
      (entry?.locations ?? []).map((l) => locationView(l, rows.clouds.get(l.cloudId)?.name ?? l.cloudId)),
    );
    assert.equal(JSON.stringify(rawView), JSON.stringify(entityView));
    assert.deepEqual(
      [...rows.clouds.values()],
      ormClouds.map((c) => ({ ...c })),
    );
    // Fully populated: the spec's formats, minimums and properties show, BIGINTs are numbers.
    assert.equal(rawView.disk_format, 'qcow2');
    assert.equal(typeof rawView.size, 'number');
    assert.equal(rawView.locations.length, 2);
  });

  it('reads an image without copies (the LEFT JOIN found none) with no location and no cloud', () => {
    const image = rawRow(ds.getMetadata(ImageRow), 'i', 1);
    const nulls = Object.fromEntries(
      [...ds.getMetadata(LocationRow).columns.map((c) => `l_${c.databaseName}`)]
        .concat(ds.getMetadata(CloudRow).columns.map((c) => `c_${c.databaseName}`))
        .map((k) => [k, null]),
    );
    const rows = groupRows([{ ...image, ...nulls }]);
    assert.equal(rows.images.length, 1);
    assert.deepEqual(rows.images[0]?.locations, []);
    assert.equal(rows.clouds.size, 0);
  });

  it('keeps the images in the order their rows come, each once', () => {
    const metadata = ds.getMetadata(ImageRow);
    const [a, b] = [rawRow(metadata, 'i', 1), rawRow(metadata, 'i', 2)];
    const rows = groupRows([b, b, a].map((r) => ({ ...r, l_id: null, c_id: null })));
    assert.deepEqual(
      rows.images.map((e) => e.image.id),
      [b?.i_id, a?.i_id],
    );
  });
});
