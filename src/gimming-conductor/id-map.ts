/**
 * The published ID map of the image families ([families] publish_dir), for consumers that cannot call
 * the API (Terraform data sources reading a URL, cloud-init, scripts): rewritten from the database after
 * every change, each file written whole to a temporary name and renamed, so a web server serving the
 * directory never hands out half a file.
 *
 *   id-map.json                       {families: {"<project>/<family>": {channels, versions}}}: each
 *                                     channel's version and, per cloud, the copy's own image ID
 *   streams/v1/index.json             a simplestreams index (format index:1.0) naming the products file
 *   streams/v1/com.gimming:images.json  the products (format products:1.0, datatype image-ids): one
 *                                     product per family, one version per family version, one item per
 *                                     copy (its cloud, region and native ID)
 *
 * Revoked versions are left out; a version's lifecycle is in each entry. Without [families]
 * publish_all_projects, only versions whose image is public or community are published.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DataSource } from 'typeorm';
import { describeError } from '../common/errors';
import { getLogger } from '../common/log';
import {
  CloudRow,
  FamilyChannelRow,
  FamilyRow,
  FamilyVersionRow,
  ImageRow,
  LocationRow,
} from './db/entities';

const log = getLogger('conductor.id_map');

export const CONTENT_ID = 'com.gimming:images';
const PUBLIC = new Set(['public', 'community']);

interface PublishedCopy {
  cloud: string;
  cloud_id: string;
  type: string;
  region_name: string;
  id: string;
}

export class IdMapPublisher {
  /** One write at a time per conductor; a change during a write asks for one more after it. */
  private writing: Promise<void> | undefined;
  private again = false;
  /** What was written last (without its times): the periodic task's publish writes only a change. */
  private last = '';

  constructor(
    private readonly db: DataSource,
    private readonly dir: string,
    private readonly allProjects: boolean,
  ) {}

  get enabled(): boolean {
    return this.dir !== '';
  }

  /** Rewrites the files; a failure is logged, never the caller's (the change it follows is made). */
  async publish(): Promise<void> {
    if (!this.enabled) return;
    if (this.writing) {
      this.again = true;
      return this.writing;
    }
    this.writing = (async () => {
      do {
        this.again = false;
        try {
          await this.writeAll();
        } catch (err) {
          log.error({ dir: this.dir, err: describeError(err) }, 'ID map not published');
        }
      } while (this.again);
    })().finally(() => {
      this.writing = undefined;
    });
    return this.writing;
  }

  private async writeAll(): Promise<void> {
    const [families, versions, channels, clouds] = await Promise.all([
      this.db.getRepository(FamilyRow).find({ order: { owner: 'ASC', name: 'ASC' } }),
      this.db.getRepository(FamilyVersionRow).find({ order: { sequence: 'ASC' } }),
      this.db.getRepository(FamilyChannelRow).find(),
      this.db.getRepository(CloudRow).find(),
    ]);
    const live = versions.filter((v) => v.lifecycle !== 'revoked');
    const imageIds = [...new Set(live.map((v) => v.imageId))];
    const images = imageIds.length
      ? await this.db
          .getRepository(ImageRow)
          .createQueryBuilder('i')
          .where('i.id IN (:...ids)', { ids: imageIds })
          .getMany()
      : [];
    const locations = imageIds.length
      ? await this.db
          .getRepository(LocationRow)
          .createQueryBuilder('l')
          .where('l.image_id IN (:...ids) AND l.status = :s AND l.remote_id IS NOT NULL', {
            ids: imageIds,
            s: 'active',
          })
          .getMany()
      : [];
    const imageById = new Map(images.map((i) => [i.id, i]));
    const cloudById = new Map(clouds.map((c) => [c.id, c]));
    const copies = (imageId: string): PublishedCopy[] =>
      locations
        .filter((l) => l.imageId === imageId && cloudById.has(l.cloudId))
        .map((l) => {
          const c = cloudById.get(l.cloudId) as CloudRow;
          return {
            cloud: c.name,
            cloud_id: c.id,
            type: c.type,
            region_name: c.regionName,
            id: l.remoteId as string,
          };
        })
        .sort((a, b) => a.cloud.localeCompare(b.cloud));
    const published = (v: FamilyVersionRow): boolean => {
      const image = imageById.get(v.imageId);
      return !!image && image.status !== 'deleted' && (this.allProjects || PUBLIC.has(image.specVisibility));
    };

    const now = new Date();
    const idMap: Record<string, unknown> = {};
    const products: Record<string, unknown> = {};
    for (const family of families) {
      const own = live.filter((v) => v.familyId === family.id && published(v));
      if (own.length === 0) continue;
      const key = `${family.owner}/${family.name}`;
      const seq = new Map(own.map((v) => [v.id, v]));
      const versionsOut: Record<string, unknown> = {};
      const productVersions: Record<string, unknown> = {};
      for (const v of own) {
        const c = copies(v.imageId);
        versionsOut[String(v.sequence)] = {
          label: v.label,
          image_id: v.imageId,
          lifecycle: v.lifecycle,
          clouds: Object.fromEntries(c.map((x) => [x.cloud, x.id])),
        };
        productVersions[v.label ?? String(v.sequence)] = {
          version_sequence: v.sequence,
          gimming_image_id: v.imageId,
          lifecycle: v.lifecycle,
          items: Object.fromEntries(
            c.map((x) => [x.cloud, { id: x.id, crsn: x.cloud, region: x.region_name, cloud_type: x.type }]),
          ),
        };
      }
      const channelsOut: Record<string, unknown> = {};
      for (const ch of channels.filter((c) => c.familyId === family.id)) {
        const v = ch.versionId ? seq.get(ch.versionId) : undefined;
        if (!v) continue;
        channelsOut[ch.name] = {
          version: v.sequence,
          label: v.label,
          image_id: v.imageId,
          lifecycle: v.lifecycle,
          clouds: Object.fromEntries(copies(v.imageId).map((x) => [x.cloud, x.id])),
        };
      }
      idMap[key] = { family_id: family.id, channels: channelsOut, versions: versionsOut };
      products[`${CONTENT_ID}:${family.owner}:${family.name}`] = {
        family: family.name,
        owner: family.owner,
        channels: Object.fromEntries(
          Object.entries(channelsOut).map(([name, c]) => [
            name,
            (c as { label: string | null; version: number }).label ??
              String((c as { version: number }).version),
          ]),
        ),
        versions: productVersions,
      };
    }
    const content = JSON.stringify({ idMap, products });
    if (content === this.last) return;
    const updated = now.toUTCString();
    this.write('id-map.json', { format: 'gimming-id-map:1.0', updated: now.toISOString(), families: idMap });
    const productsPath = `streams/v1/${CONTENT_ID}.json`;
    this.write(productsPath, {
      content_id: CONTENT_ID,
      datatype: 'image-ids',
      format: 'products:1.0',
      updated,
      products,
    });
    this.write('streams/v1/index.json', {
      format: 'index:1.0',
      updated,
      index: {
        [CONTENT_ID]: {
          datatype: 'image-ids',
          format: 'products:1.0',
          path: productsPath,
          updated,
          products: Object.keys(products),
        },
      },
    });
    this.last = content;
    log.info({ dir: this.dir, families: Object.keys(idMap).length }, 'ID map published');
  }

  private write(relative: string, doc: unknown): void {
    const path = join(this.dir, relative);
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o644 });
    renameSync(tmp, path);
  }
}
