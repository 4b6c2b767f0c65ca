import { MigrationInterface, QueryRunner } from 'typeorm';
import { SCHEMA } from '../schema';

export class CreateOrderIntake1795200000000 implements MigrationInterface {
  name = 'CreateOrderIntake1795200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE ${SCHEMA}.channels (
        channel_id text PRIMARY KEY,
        default_market text,
        default_back_order_policy text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Only a SHA-256 of each key's secret is kept; key_id is the public part of the key, used to find the row.
    await queryRunner.query(`
      CREATE TABLE ${SCHEMA}.api_keys (
        key_id text PRIMARY KEY,
        channel_id text NOT NULL REFERENCES ${SCHEMA}.channels (channel_id),
        secret_sha256 bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`);
    await queryRunner.query(`
      CREATE TABLE ${SCHEMA}.catalogue (
        sku text PRIMARY KEY,
        source text NOT NULL,
        first_seen_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE ${SCHEMA}.orders (
        order_id text PRIMARY KEY,
        channel text NOT NULL,
        channel_order_id text NOT NULL,
        is_current boolean NOT NULL,
        content_sha256 bytea NOT NULL,
        received_via text NOT NULL,
        status text NOT NULL,
        market text,
        ordered_quantities jsonb NOT NULL,
        dispatched_quantities jsonb NOT NULL DEFAULT '{}',
        rejection_reason text,
        rejection_problems jsonb,
        conflicts_with_order_id text,
        cancel_requested_at timestamptz,
        received_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // The dedupe index: one current order per channel order id; a rejected one may be superseded by a corrected resend.
    await queryRunner.query(`CREATE UNIQUE INDEX orders_current_channel_order ON ${SCHEMA}.orders (channel, channel_order_id) WHERE is_current`);
    await queryRunner.query(`
      CREATE TABLE ${SCHEMA}.order_timeline (
        event_id text PRIMARY KEY,
        order_id text NOT NULL REFERENCES ${SCHEMA}.orders (order_id),
        occurred_at timestamptz NOT NULL,
        event_type text NOT NULL,
        summary text NOT NULL,
        seq bigint GENERATED ALWAYS AS IDENTITY
      )`);
    await queryRunner.query(`CREATE INDEX order_timeline_by_order ON ${SCHEMA}.order_timeline (order_id, occurred_at, seq)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['order_timeline', 'orders', 'catalogue', 'api_keys', 'channels']) {
      await queryRunner.query(`DROP TABLE ${SCHEMA}.${table}`);
    }
  }
}
