/**
 * Each copy records how it was proven to hold its image's bytes (byte-identity.ts): `cloud` (hashes its
 * cloud reports), `agent` (hashes the agent computed while writing it, for a cloud that reports none),
 * `provenance` (the cloud copied it itself) or `unverified` (linked by a user who accepted that nothing
 * could prove it). Copies made or linked before this release were all proven by their cloud's hashes.
 */
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class LocationProof1764680400000 implements MigrationInterface {
  name = 'LocationProof1764680400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE locations ADD COLUMN proof VARCHAR(16) NULL`);
    await q.query(`UPDATE locations SET proof = 'cloud' WHERE remote_id IS NOT NULL AND status = 'active'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE locations DROP COLUMN proof`);
  }
}
