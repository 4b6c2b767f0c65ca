import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A claim token on the delivery log: a delivery being sent is PENDING with a claim token and its lease as
 * `next_attempt_at`, so the send happens outside any transaction and only the claim that sent it may record how it went.
 */
export class DeliveryClaims1795400000003 implements MigrationInterface {
  name = 'DeliveryClaims1795400000003';

  async up(queryRunner: QueryRunner): Promise<void> {
    // NULL: not claimed (or the claim was recorded). A lease that ran out leaves the token; the next claim replaces it.
    await queryRunner.query(`ALTER TABLE notification.deliveries ADD COLUMN claim_token uuid`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE notification.deliveries DROP COLUMN claim_token`);
  }
}
