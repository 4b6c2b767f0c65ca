import { MigrationInterface, QueryRunner } from 'typeorm';
import { quotedSchema } from './names';

/** Table names inside the service's schema. */
export const OUTBOX_TABLE = 'messaging_outbox';
export const INBOX_TABLE = 'messaging_inbox';

// TypeORM orders migrations by the 13-digit timestamp that ends their name.
const CREATED_AT = 1795000000000;

type MigrationClass = new () => MigrationInterface;

/**
 * The migration that creates the outbox and inbox tables in `schema` (creating the schema if needed).
 * Add it to the service's own `migrations` list: `migrations: [messagingMigration('inventory'), ...]`.
 * Its name carries the schema, so two schemas in one database each get their own.
 */
export function messagingMigration(schema: string): MigrationClass {
  const s = quotedSchema(schema);
  const name = `MessagingOutboxInbox_${schema}_${CREATED_AT}`;

  class MessagingOutboxInbox implements MigrationInterface {
    readonly name = name;

    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      // Rows are published in id order; the relay deletes them once the broker confirmed them.
      await queryRunner.query(`
        CREATE TABLE ${s}.${OUTBOX_TABLE} (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          message_id uuid NOT NULL UNIQUE,
          topic text NOT NULL,
          message_key text NOT NULL,
          event_type text NOT NULL,
          payload bytea NOT NULL,
          headers jsonb NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now()
        )`);
      // One row per message a consumer group has applied; the handler's effect commits with it.
      await queryRunner.query(`
        CREATE TABLE ${s}.${INBOX_TABLE} (
          consumer_group text NOT NULL,
          message_id text NOT NULL,
          event_type text NOT NULL,
          topic text NOT NULL,
          partition integer NOT NULL,
          "offset" bigint NOT NULL,
          processed_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (consumer_group, message_id)
        )`);
      await queryRunner.query(`CREATE INDEX ${INBOX_TABLE}_processed_at ON ${s}.${INBOX_TABLE} (processed_at)`);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      // The schema itself belongs to the service and stays.
      await queryRunner.query(`DROP TABLE ${s}.${INBOX_TABLE}`);
      await queryRunner.query(`DROP TABLE ${s}.${OUTBOX_TABLE}`);
    }
  }
  Object.defineProperty(MessagingOutboxInbox, 'name', { value: name });
  return MessagingOutboxInbox;
}
