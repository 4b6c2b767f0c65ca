import { MigrationInterface, QueryRunner } from 'typeorm';

/** The simulated warehouse: stock per SKU × location, instructions with their dispatch due time, operator faults. */
export class CreateSimulator1795300000000 implements MigrationInterface {
  name = 'CreateSimulator1795300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // allocated: units picked for accepted instructions not dispatched yet.
    await queryRunner.query(`
      CREATE TABLE warehouse_simulator.stock (
        location_id text NOT NULL,
        sku text NOT NULL,
        on_hand integer NOT NULL CHECK (on_hand >= 0),
        allocated integer NOT NULL DEFAULT 0 CHECK (allocated >= 0),
        PRIMARY KEY (location_id, sku)
      )`);
    // A row per instruction seen; ACCEPTED rows with dispatch_due_at are the durable dispatch timers.
    await queryRunner.query(`
      CREATE TABLE warehouse_simulator.instructions (
        location_id text NOT NULL,
        fulfilment_id text NOT NULL,
        order_id text NOT NULL,
        status text NOT NULL CHECK (status IN ('ACCEPTED', 'DISPATCHED', 'REJECTED', 'CANCELLED')),
        instruction jsonb,
        pick_lines jsonb NOT NULL DEFAULT '[]',
        dispatch_due_at timestamptz,
        tracking_number text UNIQUE,
        caused_by text NOT NULL,
        PRIMARY KEY (location_id, fulfilment_id)
      )`);
    await queryRunner.query(`CREATE INDEX instructions_due ON warehouse_simulator.instructions (dispatch_due_at) WHERE status = 'ACCEPTED'`);
    await queryRunner.query(`
      CREATE TABLE warehouse_simulator.faults (
        fault_id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        mode text NOT NULL CHECK (mode IN ('REJECT', 'SHORT_PICK')),
        reason text CHECK (reason IN ('OUT_OF_STOCK', 'CAPACITY')),
        scope text NOT NULL CHECK (scope IN ('NEXT', 'ALL')),
        location_id text,
        sku text,
        short_by integer CHECK (short_by >= 1)
      )`);
    await queryRunner.query(`CREATE TABLE warehouse_simulator.tracking_counters (location_id text PRIMARY KEY, last_seq bigint NOT NULL)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['tracking_counters', 'faults', 'instructions', 'stock']) await queryRunner.query(`DROP TABLE warehouse_simulator.${table}`);
  }
}
