import { MigrationInterface, QueryRunner } from 'typeorm';
import { quotedSchema } from '../names';

type MigrationClass = new () => MigrationInterface;

// TypeORM orders migrations by the 13-digit timestamp that ends their name.
const CREATED_AT = 1795000000100;

export const DEFAULT_EMBEDDED_SCHEMA = 'embedded_bus';

/**
 * The tables of the embedded transport's durable log, in `schema`: topics and their partitions (with the
 * next offset to assign), the messages themselves, and each consumer group's committed offsets.
 */
export function embeddedTransportMigration(schema = DEFAULT_EMBEDDED_SCHEMA): MigrationClass {
  const s = quotedSchema(schema);
  const name = `EmbeddedTransportLog_${schema}_${CREATED_AT}`;

  class EmbeddedTransportLog implements MigrationInterface {
    readonly name = name;

    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      await queryRunner.query(`CREATE TABLE ${s}.topics (topic text PRIMARY KEY, partitions integer NOT NULL CHECK (partitions > 0))`);
      await queryRunner.query(`
        CREATE TABLE ${s}.partitions (
          topic text NOT NULL REFERENCES ${s}.topics (topic) ON DELETE CASCADE,
          partition integer NOT NULL,
          next_offset bigint NOT NULL DEFAULT 0,
          PRIMARY KEY (topic, partition)
        )`);
      await queryRunner.query(`
        CREATE TABLE ${s}.messages (
          topic text NOT NULL,
          partition integer NOT NULL,
          "offset" bigint NOT NULL,
          message_key text,
          value bytea,
          headers jsonb NOT NULL,
          timestamp_ms bigint NOT NULL,
          PRIMARY KEY (topic, partition, "offset"),
          FOREIGN KEY (topic, partition) REFERENCES ${s}.partitions (topic, partition) ON DELETE CASCADE
        )`);
      await queryRunner.query(`
        CREATE TABLE ${s}.group_offsets (
          group_id text NOT NULL,
          topic text NOT NULL,
          partition integer NOT NULL,
          committed_offset bigint NOT NULL,
          PRIMARY KEY (group_id, topic, partition)
        )`);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`DROP TABLE ${s}.group_offsets`);
      await queryRunner.query(`DROP TABLE ${s}.messages`);
      await queryRunner.query(`DROP TABLE ${s}.partitions`);
      await queryRunner.query(`DROP TABLE ${s}.topics`);
    }
  }
  Object.defineProperty(EmbeddedTransportLog, 'name', { value: name });
  return EmbeddedTransportLog;
}
