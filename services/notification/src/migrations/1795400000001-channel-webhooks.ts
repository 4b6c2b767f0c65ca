import { MigrationInterface, QueryRunner } from 'typeorm';

/** Each channel's webhook endpoint and the secret its messages are signed with (kept in full: HMAC needs it). */
export class ChannelWebhooks1795400000001 implements MigrationInterface {
  name = 'ChannelWebhooks1795400000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE notification.channel_webhooks (
        channel text PRIMARY KEY,
        url text NOT NULL,
        secret text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE notification.channel_webhooks`);
  }
}
