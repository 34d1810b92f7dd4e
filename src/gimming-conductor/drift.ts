/**
 * Drift: checking every copy of an image against its cloud, and telling when one went missing or changed.
 */
import type { DataSource } from 'typeorm';
import type { RequestContext } from '../common/context';
import { asGimmingError } from '../common/errors';
import { getLogger } from '../common/log';
import { copyVerdict, digestList, identityOf } from './byte-identity';
import { CloudRow, LocationRow } from './db/entities';
import { UNPROVEN } from './learned-identity';
import type { ImageQueries } from './image-queries';
import { ConductorNotifier } from './notify';
import type { RemoteMetadata } from './remote-metadata';
import type { ImageView } from './rpc-schemas';

const log = getLogger('conductor.images');

export class DriftCheck {
  constructor(
    private readonly db: DataSource,
    private readonly queries: ImageQueries,
    private readonly remotes: RemoteMetadata,
    private readonly notify: ConductorNotifier = ConductorNotifier.noop(),
  ) {}

  /**
   * Checks every copy against its cloud now: a copy deleted behind GIMinG's back becomes `missing`, one
   * whose bytes changed `mismatch`, a good one `active` again; each checked copy records when. A cloud
   * that cannot be reached leaves its copy as it was.
   */
  async refresh(ctx: RequestContext, id: string, periodic = false): Promise<ImageView> {
    const image = await this.queries.find(ctx, id);
    const locations = await this.db.getRepository(LocationRow).findBy({ imageId: image.id });
    const clouds = new Map((await this.db.getRepository(CloudRow).find()).map((c) => [c.id, c]));
    await Promise.all(
      locations
        .filter((l) => l.remoteId && ['active', 'missing', 'mismatch'].includes(l.status))
        // The service user of the periodic refresh cannot read a project's credentials: copies in clouds
        // with their own identity service are checked when their users ask.
        .filter((l) => !(periodic && clouds.get(l.cloudId)?.authUrl))
        .map(async (location) => {
          const cloud = clouds.get(location.cloudId) as CloudRow;
          let status: string;
          let found: Parameters<ConductorNotifier['drift']>[5] = null;
          try {
            const remote = await this.remotes.describe(ctx, cloud, location.remoteId as string, true);
            found = {
              size: remote.size,
              checksum: remote.checksum ?? '',
              os_hash_algo: remote.os_hash_algo ?? '',
              os_hash_value: remote.os_hash_value ?? '',
            };
            // The cloud's description as GIMinG shows it (remoteView) carries md5 and the os_hash.
            const shown = identityOf({
              size: remote.size,
              checksum: remote.checksum,
              osHashAlgo: remote.os_hash_algo,
              osHashValue: remote.os_hash_value,
            });
            // A copy GIMinG converted on the way is checked against the conversion it records
            // (byte-identity.ts copyVerdict): its bytes differ from the image's by design.
            const verdict = copyVerdict(image, {
              size: shown.size ?? 0,
              digests: digestList(shown.digests),
              properties: remote.properties,
            });
            // A copy nothing could prove when it was made or linked (its cloud reports no hash) stays
            // as it was while it exists: only a hash that differs is a mismatch. So does the source of an
            // image whose identity is not learned yet (learned-identity.ts): there is nothing to differ.
            const unprovable =
              location.proof === 'unverified' || location.proof === 'agent' || location.proof === UNPROVEN;
            status =
              verdict === 'same' ||
              (verdict === 'converted' && location.proof === 'converted') ||
              (verdict === 'unproven' && unprovable)
                ? 'active'
                : 'mismatch';
          } catch (err) {
            const gerr = asGimmingError(err);
            if (gerr.status !== 404) {
              log.warn({ image_id: image.id, cloud: cloud.name, reason: gerr.message }, 'copy not checked');
              return;
            }
            status = 'missing';
          }
          if (status !== location.status) {
            log.warn(
              { image_id: image.id, cloud: cloud.name, from: location.status, to: status },
              'drift found',
            );
          }
          const now = new Date();
          // Only if nothing else changed the copy meanwhile (a delete or a copy task took it over).
          const changed = await this.db
            .getRepository(LocationRow)
            .update(
              { id: location.id, status: location.status, remoteId: location.remoteId as string },
              { status, lastVerifiedAt: now, updatedAt: now },
            );
          // Told once, when the copy becomes missing or mismatched (not at every later check).
          if (
            changed.affected &&
            status !== location.status &&
            (status === 'missing' || status === 'mismatch')
          ) {
            this.notify.drift(ctx, image, cloud, location, status, found, periodic);
          }
        }),
    );
    return this.queries.get(ctx, image.id);
  }
}
