import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Routing's own state: the network it routes over, its projection of inventory's ATP, versioned rulesets,
 * every decision with its explanation, and the shipments it planned (which are today's capacity use).
 */
export class CreateRouting1795400000000 implements MigrationInterface {
  name = 'CreateRouting1795400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // One row per location; `definition` is the engine's Location (without usedToday, which is counted below).
    await queryRunner.query(`
      CREATE TABLE routing.locations (
        location_id text PRIMARY KEY,
        position integer NOT NULL,
        definition jsonb NOT NULL,
        loaded_from text NOT NULL,
        loaded_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Network-wide settings of the loaded file: currency of its costs, fallback coordinates per destination country.
    await queryRunner.query(`
      CREATE TABLE routing.network_settings (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        currency text NOT NULL,
        fallback_coordinates jsonb NOT NULL,
        description text,
        loaded_from text NOT NULL,
        loaded_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Inventory's StockLevelChanged, latest per SKU × location; the event that set it is kept for tracing.
    await queryRunner.query(`
      CREATE TABLE routing.atp (
        sku text NOT NULL,
        location_id text NOT NULL,
        available integer NOT NULL CHECK (available >= 0),
        on_hand integer NOT NULL,
        reserved integer NOT NULL,
        safety_stock integer NOT NULL,
        source_event_id text NOT NULL,
        source_occurred_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (sku, location_id)
      )`);
    await queryRunner.query(`
      CREATE TABLE routing.rulesets (
        ruleset_id text NOT NULL,
        version integer NOT NULL CHECK (version >= 1),
        body jsonb NOT NULL,
        published_at timestamptz NOT NULL DEFAULT now(),
        published_by text NOT NULL,
        PRIMARY KEY (ruleset_id, version)
      )`);
    await queryRunner.query(`
      CREATE TABLE routing.decisions (
        decision_id uuid PRIMARY KEY,
        order_id text NOT NULL,
        attempt integer NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('ROUTED', 'UNROUTABLE')),
        unroutable_reason text,
        ruleset_id text NOT NULL,
        ruleset_version integer NOT NULL,
        decision_time timestamptz NOT NULL,
        command_event_id text NOT NULL,
        command_digest text NOT NULL,
        input_summary jsonb NOT NULL,
        plan jsonb,
        explanation jsonb NOT NULL,
        reply_type text NOT NULL CHECK (reply_type IN ('OrderRouted', 'OrderUnroutable')),
        reply jsonb NOT NULL,
        decided_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (order_id, attempt),
        CHECK ((outcome = 'UNROUTABLE') = (unroutable_reason IS NOT NULL))
      )`);
    // A planned shipment takes one shipment of its location's capacity on its local ship day.
    await queryRunner.query(`
      CREATE TABLE routing.planned_shipments (
        shipment_id text PRIMARY KEY,
        decision_id uuid NOT NULL REFERENCES routing.decisions (decision_id),
        location_id text NOT NULL,
        local_day date NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX planned_shipments_by_day ON routing.planned_shipments (location_id, local_day)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE routing.planned_shipments`);
    await queryRunner.query(`DROP TABLE routing.decisions`);
    await queryRunner.query(`DROP TABLE routing.rulesets`);
    await queryRunner.query(`DROP TABLE routing.atp`);
    await queryRunner.query(`DROP TABLE routing.network_settings`);
    await queryRunner.query(`DROP TABLE routing.locations`);
  }
}
