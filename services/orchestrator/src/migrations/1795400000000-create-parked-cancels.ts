import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Channel cancel requests that came before their order's OrderAccepted (orders.commands and orders.lifecycle are
 * different topics, so nothing orders them): kept until the order starts, intake rejects it, or they expire.
 */
export class CreateParkedCancels1795400000000 implements MigrationInterface {
  name = 'CreateParkedCancels1795400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE orchestrator.parked_cancels (
        order_id text NOT NULL,
        event_id text NOT NULL,
        payload jsonb NOT NULL,
        parked_at bigint NOT NULL,
        expires_at bigint NOT NULL,
        PRIMARY KEY (order_id, event_id)
      )`);
    await queryRunner.query('CREATE INDEX parked_cancels_expiry ON orchestrator.parked_cancels (expires_at)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE orchestrator.parked_cancels');
  }
}
