/**
 * The webhooks a project registered (migration 0017) and the deliveries of its notifications to them.
 * A delivery is a row before it is sent, so a conductor that stops loses none: another one (or this one
 * when it is back) takes it once its lease, on the database's clock, has run out.
 */
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

const timestamp = { type: 'datetime', precision: 3 } as const;

@Entity({ name: 'webhooks' })
export class WebhookRow {
  @PrimaryColumn({ type: 'char', length: 36 }) id!: string;
  @Index('idx_webhooks_owner')
  @Column({ type: 'varchar', length: 64 })
  owner!: string;
  @Column({ type: 'varchar', length: 255 }) name!: string;
  @Column({ type: 'varchar', length: 2048 }) url!: string;
  /** The event type patterns it receives (JSON array, webhook-events.ts). */
  @Column({ name: 'event_types', type: 'text' }) eventTypes!: string;
  /** The signing secret, encrypted (webhook-secrets.ts): the conductor needs it back to sign. */
  @Column({ name: 'secret_sealed', type: 'text' }) secretSealed!: string;
  @Column({ name: 'created_at', ...timestamp }) createdAt!: Date;
  @Column({ name: 'updated_at', ...timestamp }) updatedAt!: Date;
}

@Entity({ name: 'webhook_deliveries' })
@Index('idx_webhook_deliveries_due', ['status', 'nextAttemptAt'])
export class WebhookDeliveryRow {
  @PrimaryColumn({ type: 'char', length: 36 }) id!: string;
  @Index('idx_webhook_deliveries_webhook')
  @Column({ name: 'webhook_id', type: 'char', length: 36 })
  webhookId!: string;
  @Column({ type: 'varchar', length: 64 }) owner!: string;
  @Column({ name: 'event_type', type: 'varchar', length: 255 }) eventType!: string;
  /** The notification's message_id (the same for every webhook it went to). */
  @Column({ name: 'message_id', type: 'char', length: 36 }) messageId!: string;
  /** The JSON body, exactly as it is signed and sent. */
  @Column({ type: 'mediumtext' }) body!: string;
  /** pending (to be sent, or sent again), delivered or failed (no attempt left). */
  @Column({ type: 'varchar', length: 16 }) status!: string;
  @Column({ type: 'int' }) attempts!: number;
  /** When it is due, on the database's clock. */
  @Column({ name: 'next_attempt_at', ...timestamp }) nextAttemptAt!: Date;
  /** The scan that took it (a random token) and until when; after that any conductor may take it. */
  @Column({ name: 'lease_token', type: 'char', length: 36, nullable: true }) leaseToken!: string | null;
  @Column({ name: 'lease_expires_at', ...timestamp, nullable: true }) leaseExpiresAt!: Date | null;
  /** The HTTP status of the last attempt (null: no answer). */
  @Column({ name: 'response_status', type: 'int', nullable: true }) responseStatus!: number | null;
  /** Why the last attempt failed, said by GIMinG (never the receiver's body). */
  @Column({ name: 'last_error', type: 'varchar', length: 1024, nullable: true }) lastError!: string | null;
  @Column({ name: 'created_at', ...timestamp }) createdAt!: Date;
  @Column({ name: 'updated_at', ...timestamp }) updatedAt!: Date;
  @Column({ name: 'delivered_at', ...timestamp, nullable: true }) deliveredAt!: Date | null;
}
