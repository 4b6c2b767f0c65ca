import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Status events kept until their order's acceptance arrives, customer preferences, what operations alerts need to
 * watch per order, and a sequence on the delivery log for paging.
 */
export class ParkingPreferencesAlerts1795400000002 implements MigrationInterface {
  name = 'ParkingPreferencesAlerts1795400000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    // A status event of an order whose OrderAccepted has not arrived yet (another topic: no fixed order). No contact data in it.
    await queryRunner.query(`
      CREATE TABLE notification.parked_events (
        parked_id bigserial PRIMARY KEY,
        order_id text NOT NULL,
        event_type text NOT NULL,
        event jsonb NOT NULL,
        parked_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX parked_events_order ON notification.parked_events (order_id, parked_id)`);
    // Personal data (the opt-outs and language of one person at one channel): only here, erasable.
    await queryRunner.query(`
      CREATE TABLE notification.customer_preferences (
        channel text NOT NULL,
        contact_reference text NOT NULL,
        email_opt_out text[] NOT NULL DEFAULT '{}',
        locale text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (channel, contact_reference)
      )`);
    // Per order: the promise and how long it has been waiting, for SLA-risk and back-order-ageing alerts.
    await queryRunner.query(`
      CREATE TABLE notification.order_watch (
        order_id text PRIMARY KEY,
        promised_date date,
        promise_due_at timestamptz,
        waiting_since timestamptz,
        waiting_kind text CHECK (waiting_kind IN ('HELD', 'BACK_ORDERED')),
        ageing_due_at timestamptz,
        hold_episode integer NOT NULL DEFAULT 1
      )`);
    await queryRunner.query(`CREATE INDEX order_watch_ageing_due ON notification.order_watch (ageing_due_at) WHERE ageing_due_at IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX order_watch_promise_due ON notification.order_watch (promise_due_at) WHERE promise_due_at IS NOT NULL`);
    // A rejected order's customer may be unknown: the contact row then only names the channel's order.
    await queryRunner.query(`ALTER TABLE notification.order_contacts ALTER COLUMN contact_reference DROP NOT NULL`);
    await queryRunner.query(`CREATE INDEX order_contacts_reference ON notification.order_contacts (channel, contact_reference)`);
    await queryRunner.query(`ALTER TABLE notification.deliveries ADD COLUMN seq bigserial`);
    await queryRunner.query(`CREATE INDEX deliveries_failed ON notification.deliveries (seq) WHERE state = 'FAILED'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE notification.deliveries DROP COLUMN seq`);
    await queryRunner.query(`DROP INDEX notification.order_contacts_reference`);
    await queryRunner.query(`UPDATE notification.order_contacts SET contact_reference = '' WHERE contact_reference IS NULL`);
    await queryRunner.query(`ALTER TABLE notification.order_contacts ALTER COLUMN contact_reference SET NOT NULL`);
    for (const table of ['order_watch', 'customer_preferences', 'parked_events']) await queryRunner.query(`DROP TABLE notification.${table}`);
  }
}
