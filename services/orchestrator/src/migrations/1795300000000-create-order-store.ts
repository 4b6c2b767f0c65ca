import { MigrationInterface, QueryRunner } from 'typeorm';

/** The order event store, the durable timers and the back-order index, all in schema orchestrator. */
export class CreateOrderStore1795300000000 implements MigrationInterface {
  name = 'CreateOrderStore1795300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE orchestrator.order_events (
        order_id text NOT NULL,
        version integer NOT NULL CHECK (version >= 1),
        type text NOT NULL,
        payload jsonb NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (order_id, version)
      )`);
    await queryRunner.query(`
      CREATE TABLE orchestrator.timers (
        timer_id text PRIMARY KEY,
        order_id text NOT NULL,
        purpose text NOT NULL,
        shipment_id text,
        due_at bigint NOT NULL
      )`);
    await queryRunner.query('CREATE INDEX timers_due ON orchestrator.timers (due_at)');
    await queryRunner.query(`
      CREATE TABLE orchestrator.back_orders (
        sku text NOT NULL,
        order_id text NOT NULL,
        held_since bigint NOT NULL,
        PRIMARY KEY (sku, order_id)
      )`);
    await queryRunner.query('CREATE INDEX back_orders_oldest ON orchestrator.back_orders (sku, held_since, order_id)');
    await queryRunner.query('CREATE INDEX back_orders_order ON orchestrator.back_orders (order_id)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE orchestrator.back_orders');
    await queryRunner.query('DROP TABLE orchestrator.timers');
    await queryRunner.query('DROP TABLE orchestrator.order_events');
  }
}
