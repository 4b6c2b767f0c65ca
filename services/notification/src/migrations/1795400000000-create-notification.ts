import { MigrationInterface, QueryRunner } from 'typeorm';

/** Customer contacts per order (personal data: only here, erasable) and the delivery log, which is also the queue. */
export class CreateNotification1795400000000 implements MigrationInterface {
  name = 'CreateNotification1795400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // email NULL: the customer opted out of email (or it was erased).
    await queryRunner.query(`
      CREATE TABLE notification.order_contacts (
        order_id text PRIMARY KEY,
        channel text NOT NULL,
        channel_order_id text NOT NULL,
        contact_reference text NOT NULL,
        email text,
        locale text,
        erased_at timestamptz
      )`);
    // One row per (order, status, recipient): the unique key is what keeps a redelivered event from sending twice.
    await queryRunner.query(`
      CREATE TABLE notification.deliveries (
        delivery_id uuid PRIMARY KEY,
        order_id text NOT NULL,
        status_key text NOT NULL,
        recipient text NOT NULL,
        medium text NOT NULL CHECK (medium IN ('EMAIL', 'WEBHOOK')),
        template text NOT NULL,
        triggered_by text NOT NULL,
        caused_by text NOT NULL,
        content jsonb NOT NULL,
        state text NOT NULL CHECK (state IN ('PENDING', 'SENT', 'FAILED')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz,
        UNIQUE (order_id, status_key, recipient)
      )`);
    await queryRunner.query(`CREATE INDEX deliveries_due ON notification.deliveries (next_attempt_at) WHERE state = 'PENDING'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['deliveries', 'order_contacts']) await queryRunner.query(`DROP TABLE notification.${table}`);
  }
}
