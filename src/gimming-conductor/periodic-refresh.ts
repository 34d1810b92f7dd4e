/**
 * The periodic refresh: every [conductor] refresh_interval seconds, the copies not verified for that long
 * are checked against their clouds (missing, mismatch, or active again), as a user's refresh would, but
 * as GIMinG's service user: nobody's token is kept to do it. The service user must be able to read
 * every project's images in every cloud (the admin role, as the DevStack plugin and install guide grant).
 *
 * Several conductors may run it at once; a copy checked twice is harmless, so they do not coordinate.
 */
import type { DataSource } from 'typeorm';
import { describeError } from '../common/errors';
import type { ServiceUser } from '../common/keystone/service-user';
import { getLogger } from '../common/log';
import { LocationRow } from './db/entities';
import type { DriftCheck } from './drift';

const log = getLogger('conductor.periodic_refresh');

export class PeriodicRefresh {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly db: DataSource,
    private readonly images: DriftCheck,
    private readonly serviceUser: ServiceUser,
    private readonly intervalS: number,
    private readonly batchSize: number,
  ) {}

  start(): void {
    if (this.intervalS <= 0) {
      log.info('periodic refresh disabled');
      return;
    }
    if (!this.serviceUser.authUrl) {
      log.warn('periodic refresh disabled: [keystone_authtoken] auth_url is not set');
      return;
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    // A little jitter keeps several conductors from checking the same copies at the same moment.
    const delay = this.intervalS * 1000 * (0.9 + Math.random() * 0.2);
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .then(() => undefined)
        .catch((err: unknown) => log.error({ err: describeError(err) }, 'periodic refresh failed'))
        .finally(() => {
          this.running = undefined;
          this.schedule();
        });
    }, delay);
    this.timer.unref();
  }

  /** Checks the images whose copies are due; returns how many images were checked. */
  async runOnce(): Promise<number> {
    const due = new Date(Date.now() - this.intervalS * 1000);
    const rows = await this.db
      .getRepository(LocationRow)
      .createQueryBuilder('l')
      .innerJoin('images', 'i', 'i.id = l.image_id')
      // Copies in clouds with their own identity service are left out (the service user has no credentials).
      .innerJoin('clouds', 'c', 'c.id = l.cloud_id AND c.auth_url IS NULL')
      .select('l.image_id', 'image_id')
      .addSelect('MIN(COALESCE(l.last_verified_at, l.created_at))', 'oldest')
      .where('l.remote_id IS NOT NULL AND l.status IN (:...states)', {
        states: ['active', 'missing', 'mismatch'],
      })
      .andWhere('(l.last_verified_at IS NULL OR l.last_verified_at < :due)', { due })
      .andWhere('i.status = :active', { active: 'active' })
      .groupBy('l.image_id')
      .orderBy('oldest', 'ASC')
      .limit(this.batchSize)
      .getRawMany<{ image_id: string }>();
    if (rows.length === 0) return 0;
    const ctx = await this.serviceUser.context();
    let checked = 0;
    for (const { image_id } of rows) {
      if (this.stopped) break;
      try {
        await this.images.refresh(ctx, image_id, true);
        checked += 1;
      } catch (err) {
        log.warn({ image_id, reason: describeError(err) }, 'image not refreshed');
      }
    }
    log.info({ images: checked, due: rows.length }, 'periodic refresh done');
    return checked;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
