/**
 * Each copy records how it was proven to hold its image's bytes (byte-identity.ts): `cloud` (hashes its
 * cloud reports), `agent` (hashes the agent computed while writing it, for a cloud that reports none),
 * `provenance` (the cloud copied it itself) or `unverified` (linked by a user who accepted that nothing
 * could prove it). Copies made or linked before this release were all proven by their cloud's hashes.
 *
 * Each agent records the drivers it has and what each kind of cloud can do (from its heartbeats), so that
 * a cloud shows its capabilities and the conductor plans copies with them.
 */
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CopyProofAndDrivers1764680400000 implements MigrationInterface {
  name = 'CopyProofAndDrivers1764680400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE locations ADD COLUMN proof VARCHAR(16) NULL`);
    await q.query(`UPDATE locations SET proof = 'cloud' WHERE remote_id IS NOT NULL AND status = 'active'`);
    await q.query(`ALTER TABLE agents ADD COLUMN drivers TEXT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE agents DROP COLUMN drivers`);
    await q.query(`ALTER TABLE locations DROP COLUMN proof`);
  }
}
