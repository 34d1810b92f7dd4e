/**
 * The first schema: clouds, agents, images, locations, tasks.
 */
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1763769600000 implements MigrationInterface {
  name = 'InitialSchema1763769600000';

  async up(q: QueryRunner): Promise<void> {
    const table = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin';
    await q.query(`CREATE TABLE clouds (
      id CHAR(36) NOT NULL,
      name VARCHAR(255) NOT NULL,
      type VARCHAR(32) NOT NULL,
      region_name VARCHAR(255) NOT NULL,
      zone VARCHAR(255) NOT NULL,
      scope VARCHAR(16) NOT NULL,
      owner VARCHAR(64) NULL,
      created_at DATETIME(3) NOT NULL,
      updated_at DATETIME(3) NOT NULL,
      PRIMARY KEY (id),
      UNIQUE KEY uniq_clouds_name (name)
    ) ${table}`);
    await q.query(`CREATE TABLE agents (
      id CHAR(36) NOT NULL,
      host VARCHAR(255) NOT NULL,
      zone VARCHAR(255) NOT NULL,
      address VARCHAR(255) NOT NULL,
      version VARCHAR(32) NOT NULL,
      last_heartbeat_at DATETIME(3) NOT NULL,
      created_at DATETIME(3) NOT NULL,
      PRIMARY KEY (id),
      UNIQUE KEY uniq_agents_address (address),
      KEY idx_agents_zone (zone)
    ) ${table}`);
    await q.query(`CREATE TABLE images (
      id CHAR(36) NOT NULL,
      name VARCHAR(255) NOT NULL,
      owner VARCHAR(64) NOT NULL,
      visibility VARCHAR(16) NOT NULL,
      status VARCHAR(16) NOT NULL,
      size BIGINT NULL,
      checksum VARCHAR(32) NULL,
      os_hash_algo VARCHAR(64) NULL,
      os_hash_value VARCHAR(128) NULL,
      created_at DATETIME(3) NOT NULL,
      updated_at DATETIME(3) NOT NULL,
      PRIMARY KEY (id),
      KEY idx_images_owner (owner)
    ) ${table}`);
    await q.query(`CREATE TABLE locations (
      id CHAR(36) NOT NULL,
      image_id CHAR(36) NOT NULL,
      cloud_id CHAR(36) NOT NULL,
      remote_id VARCHAR(255) NULL,
      status VARCHAR(16) NOT NULL,
      task_id CHAR(36) NULL,
      last_verified_at DATETIME(3) NULL,
      created_at DATETIME(3) NOT NULL,
      updated_at DATETIME(3) NOT NULL,
      PRIMARY KEY (id),
      UNIQUE KEY uniq_locations_image_cloud (image_id, cloud_id),
      UNIQUE KEY uniq_locations_cloud_remote (cloud_id, remote_id),
      CONSTRAINT fk_locations_image FOREIGN KEY (image_id) REFERENCES images (id) ON DELETE CASCADE,
      CONSTRAINT fk_locations_cloud FOREIGN KEY (cloud_id) REFERENCES clouds (id)
    ) ${table}`);
    await q.query(`CREATE TABLE tasks (
      id CHAR(36) NOT NULL,
      image_id CHAR(36) NOT NULL,
      type VARCHAR(16) NOT NULL,
      cloud_id CHAR(36) NOT NULL,
      source_cloud_id CHAR(36) NULL,
      status VARCHAR(16) NOT NULL,
      bytes_done BIGINT NOT NULL DEFAULT 0,
      bytes_total BIGINT NULL,
      attempts INT NOT NULL DEFAULT 0,
      error_code VARCHAR(64) NULL,
      error_message TEXT NULL,
      conductor VARCHAR(255) NULL,
      agent VARCHAR(255) NULL,
      project_id VARCHAR(64) NOT NULL,
      user_id VARCHAR(64) NULL,
      request_id VARCHAR(64) NULL,
      created_at DATETIME(3) NOT NULL,
      updated_at DATETIME(3) NOT NULL,
      started_at DATETIME(3) NULL,
      finished_at DATETIME(3) NULL,
      PRIMARY KEY (id),
      KEY idx_tasks_image (image_id),
      KEY idx_tasks_status (status),
      CONSTRAINT fk_tasks_image FOREIGN KEY (image_id) REFERENCES images (id) ON DELETE CASCADE
    ) ${table}`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['tasks', 'locations', 'images', 'agents', 'clouds']) await q.query(`DROP TABLE ${t}`);
  }
}
