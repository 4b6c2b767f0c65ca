import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A planned shipment gives its capacity back when its plan does not go ahead (docs/routing-service.md, "Capacity
 * given back"): it is marked released, with why and by which event, and no longer counts. It also remembers the
 * reservation inventory made for it and whether it left the location, which decide whether it can be released.
 */
export class ReleasePlannedShipments1795400000001 implements MigrationInterface {
  name = 'ReleasePlannedShipments1795400000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE routing.planned_shipments
        ADD COLUMN reservation_id text,
        ADD COLUMN reserved_units integer CHECK (reserved_units >= 0),
        ADD COLUMN dispatched boolean NOT NULL DEFAULT false,
        ADD COLUMN released_at timestamptz,
        ADD COLUMN release_reason text
          CHECK (release_reason IN ('ORDER_CANCELLED', 'RESERVATION_FAILED', 'RESERVATION_RELEASED', 'FULFILMENT_REJECTED', 'FULFILMENT_CANCELLED', 'SUPERSEDED')),
        ADD COLUMN released_by_event text,
        ADD CONSTRAINT planned_shipments_release_complete CHECK ((released_at IS NULL) = (release_reason IS NULL) AND (released_at IS NULL) = (released_by_event IS NULL))`);
    // Capacity counts only what is not released.
    await queryRunner.query(`DROP INDEX routing.planned_shipments_by_day`);
    await queryRunner.query(`CREATE INDEX planned_shipments_by_day ON routing.planned_shipments (location_id, local_day) WHERE released_at IS NULL`);
    // An order's shipments are found through its decisions.
    await queryRunner.query(`CREATE INDEX planned_shipments_by_decision ON routing.planned_shipments (decision_id)`);
    await queryRunner.query(`CREATE INDEX planned_shipments_by_reservation ON routing.planned_shipments (reservation_id) WHERE reservation_id IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX routing.planned_shipments_by_reservation`);
    await queryRunner.query(`DROP INDEX routing.planned_shipments_by_decision`);
    await queryRunner.query(`DROP INDEX routing.planned_shipments_by_day`);
    await queryRunner.query(`CREATE INDEX planned_shipments_by_day ON routing.planned_shipments (location_id, local_day)`);
    await queryRunner.query(`
      ALTER TABLE routing.planned_shipments
        DROP CONSTRAINT planned_shipments_release_complete,
        DROP COLUMN released_by_event, DROP COLUMN release_reason, DROP COLUMN released_at,
        DROP COLUMN dispatched, DROP COLUMN reserved_units, DROP COLUMN reservation_id`);
  }
}
