import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Balances per SKU × location, the append-only ledger of every movement beside them, and reservations.
 * Negative stock is impossible at the database level: CHECKs on the counts, and a trigger that refuses any
 * increase of reserved beyond on hand (the reservation statement itself also keeps safety stock back).
 */
export class CreateStockLedger1795200000000 implements MigrationInterface {
  name = 'CreateStockLedger1795200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE inventory.stock_levels (
        sku text NOT NULL,
        location_id text NOT NULL,
        on_hand integer NOT NULL CHECK (on_hand >= 0),
        reserved integer NOT NULL DEFAULT 0 CHECK (reserved >= 0),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (sku, location_id)
      )`);
    await queryRunner.query(`
      CREATE FUNCTION inventory.refuse_reserving_beyond_on_hand() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.reserved > OLD.reserved AND NEW.reserved > NEW.on_hand THEN
          RAISE EXCEPTION 'reserving % more of % at % would hold % units with only % on hand', NEW.reserved - OLD.reserved, NEW.sku, NEW.location_id, NEW.reserved, NEW.on_hand
            USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER stock_levels_reserved_within_on_hand BEFORE UPDATE OF reserved ON inventory.stock_levels
      FOR EACH ROW EXECUTE FUNCTION inventory.refuse_reserving_beyond_on_hand()`);

    // Every change of a balance, with the deltas that explain it: per SKU × location, sum(on_hand_delta) = on_hand
    // and sum(reserved_delta) = reserved.
    await queryRunner.query(`
      CREATE TABLE inventory.stock_movements (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        sku text NOT NULL,
        location_id text NOT NULL,
        movement text NOT NULL CHECK (movement IN ('COUNTED', 'RESERVED', 'RELEASED', 'DISPATCHED')),
        on_hand_delta integer NOT NULL,
        reserved_delta integer NOT NULL,
        on_hand_after integer NOT NULL,
        reserved_after integer NOT NULL,
        reported_delta integer,
        reason text,
        reference text,
        order_id text,
        reservation_id text,
        note text,
        caused_by text,
        recorded_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX stock_movements_by_stock ON inventory.stock_movements (sku, location_id, id)`);
    await queryRunner.query(`CREATE INDEX stock_movements_by_reservation ON inventory.stock_movements (reservation_id) WHERE reservation_id IS NOT NULL`);
    await queryRunner.query(`
      CREATE FUNCTION inventory.refuse_rewriting_movements() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'inventory.stock_movements is append-only: record a new movement instead of % of an old one', lower(TG_OP)
          USING ERRCODE = 'restrict_violation';
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER stock_movements_append_only BEFORE UPDATE OR DELETE ON inventory.stock_movements
      FOR EACH ROW EXECUTE FUNCTION inventory.refuse_rewriting_movements()`);

    await queryRunner.query(`
      CREATE TABLE inventory.reservations (
        reservation_id text PRIMARY KEY,
        order_id text NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('HELD', 'FAILED')),
        failure_reason text,
        short_items jsonb,
        caused_by text,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((outcome = 'FAILED') = (failure_reason IS NOT NULL AND short_items IS NOT NULL))
      )`);
    await queryRunner.query(`CREATE INDEX reservations_by_order ON inventory.reservations (order_id, created_at)`);
    // The items asked for; for a held reservation, what is held of each and what has left it since.
    await queryRunner.query(`
      CREATE TABLE inventory.reservation_items (
        reservation_id text NOT NULL REFERENCES inventory.reservations (reservation_id),
        position integer NOT NULL,
        line_id text NOT NULL,
        sku text NOT NULL,
        location_id text NOT NULL,
        quantity integer NOT NULL CHECK (quantity > 0),
        released integer NOT NULL DEFAULT 0 CHECK (released >= 0),
        dispatched integer NOT NULL DEFAULT 0 CHECK (dispatched >= 0),
        PRIMARY KEY (reservation_id, line_id, location_id),
        CHECK (released + dispatched <= quantity)
      )`);
    // One row per parcel a location reported dispatched, so a re-sent ShipmentDispatched takes stock once.
    await queryRunner.query(`
      CREATE TABLE inventory.dispatches (
        fulfilment_id text NOT NULL,
        tracking_number text NOT NULL,
        order_id text NOT NULL,
        location_id text NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (fulfilment_id, tracking_number)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE inventory.dispatches`);
    await queryRunner.query(`DROP TABLE inventory.reservation_items`);
    await queryRunner.query(`DROP TABLE inventory.reservations`);
    await queryRunner.query(`DROP TABLE inventory.stock_movements`);
    await queryRunner.query(`DROP FUNCTION inventory.refuse_rewriting_movements()`);
    await queryRunner.query(`DROP TABLE inventory.stock_levels`);
    await queryRunner.query(`DROP FUNCTION inventory.refuse_reserving_beyond_on_hand()`);
  }
}
