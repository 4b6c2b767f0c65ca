import { MigrationInterface, QueryRunner } from 'typeorm';

/** Selections waiting for (or closed with) carrier quotes, and one row per adapter asked. */
export class CreateSelections1795200000000 implements MigrationInterface {
  name = 'CreateSelections1795200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // One selection per order and set of shipments: a re-sent SelectCarrier finds it instead of starting again.
    await queryRunner.query(`
      CREATE TABLE carrier.selections (
        selection_id uuid PRIMARY KEY,
        order_id text NOT NULL,
        shipments_key text NOT NULL,
        command jsonb NOT NULL,
        deadline_at timestamptz NOT NULL,
        closed_at timestamptz,
        outcome jsonb,
        UNIQUE (order_id, shipments_key)
      )`);
    await queryRunner.query(`CREATE INDEX selections_open_by_deadline ON carrier.selections (deadline_at) WHERE closed_at IS NULL`);
    await queryRunner.query(`
      CREATE TABLE carrier.quote_requests (
        request_id text PRIMARY KEY,
        selection_id uuid NOT NULL REFERENCES carrier.selections (selection_id),
        carrier_id text NOT NULL,
        answered_at timestamptz,
        quotes jsonb,
        unavailable text,
        UNIQUE (selection_id, carrier_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE carrier.quote_requests`);
    await queryRunner.query(`DROP TABLE carrier.selections`);
  }
}
