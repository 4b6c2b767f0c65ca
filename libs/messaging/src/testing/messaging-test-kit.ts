import { randomUUID } from 'node:crypto';
import { EventOf } from '@switchyard/contracts';
import { createTestDatabase, type TestDatabase } from '@switchyard/infra';
import { DataSource, EntityManager, MigrationInterface, QueryRunner } from 'typeorm';
import { MessageContext } from '../consumer/event-consumer';
import { messagingMigration } from '../migrations';
import { OutgoingEvent } from '../outbox/outbox';
import { ConsumedMessage, Transport, TransportConsumer } from '../transport/transport';
import { eventually } from './eventually';

/**
 * A throwaway database with the messaging tables in `schema`, plus an `effects` table that records every
 * handler run (no uniqueness on purpose: a duplicate effect shows up as a second row).
 */
export interface MessagingTestDatabase {
  readonly dataSource: DataSource;
  readonly schema: string;
  effects(groupId: string): Promise<Effect[]>;
  outboxCount(): Promise<number>;
  close(): Promise<void>;
}

export interface Effect {
  readonly messageId: string;
  readonly key: string;
  readonly seq: number;
  readonly partition: number;
}

export async function createMessagingTestDatabase(label: string, schema = 'contract'): Promise<MessagingTestDatabase> {
  const database: TestDatabase = await createTestDatabase(label);
  class CreateEffects1795000000001 implements MigrationInterface {
    name = 'CreateEffects1795000000001';
    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(
        `CREATE TABLE "${schema}".effects (id bigserial PRIMARY KEY, group_id text NOT NULL, message_id text NOT NULL, key text NOT NULL, seq integer NOT NULL, partition integer NOT NULL)`,
      );
    }
    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`DROP TABLE "${schema}".effects`);
    }
  }
  const dataSource = new DataSource({
    type: 'postgres',
    url: database.url,
    migrations: [messagingMigration(schema), CreateEffects1795000000001],
    synchronize: false,
    extra: { max: 10 },
  });
  await dataSource.initialize();
  await dataSource.runMigrations();
  return {
    dataSource,
    schema,
    effects: async (groupId) => {
      const rows: { message_id: string; key: string; seq: number; partition: number }[] = await dataSource.query(
        `SELECT message_id, key, seq, partition FROM "${schema}".effects WHERE group_id = $1 ORDER BY id`,
        [groupId],
      );
      return rows.map((r) => ({ messageId: r.message_id, key: r.key, seq: r.seq, partition: r.partition }));
    },
    outboxCount: async () => {
      const [{ count }] = await dataSource.query(`SELECT count(*)::int AS count FROM "${schema}".messaging_outbox`);
      return count as number;
    },
    close: async () => {
      await dataSource.destroy();
      await database.drop();
    },
  };
}

/** A StockAdjusted keyed by `sku@location` whose `onHandAfter` carries a sequence number the tests check order with. */
export function stockAdjusted(topic: string, sku: string, seq: number): OutgoingEvent<EventOf<'StockAdjusted'>> {
  const locationId = 'dc-contract';
  return {
    topic,
    key: `${sku}@${locationId}`,
    event: {
      type: 'StockAdjusted',
      payload: {
        metadata: { eventId: randomUUID(), occurredAt: 1_795_000_000_000 + seq, correlationId: `count-${sku}`, causationId: null },
        locationId,
        sku,
        quantityDelta: 1,
        onHandAfter: seq,
        reason: 'CYCLE_COUNT',
        reference: null,
      },
    },
  };
}

/** Handler that records its effect in the same transaction as the inbox row. */
export async function recordEffect(event: EventOf<'StockAdjusted'>, context: MessageContext, schema: string): Promise<void> {
  await insertEffect(context.entityManager, schema, context.message.groupId, context.message.messageId, context.message.key ?? '', event.payload.onHandAfter, context.message.partition);
}

export async function insertEffect(em: EntityManager, schema: string, groupId: string, messageId: string, key: string, seq: number, partition: number): Promise<void> {
  await em.query(`INSERT INTO "${schema}".effects (group_id, message_id, key, seq, partition) VALUES ($1, $2, $3, $4, $5)`, [
    groupId,
    messageId,
    key,
    seq,
    partition,
  ]);
}

/** Reads a topic from the beginning with a fresh group until `count` messages arrived (or times out). */
export async function readTopic(transport: Transport, topic: string, count: number, timeoutMs = 60_000): Promise<ConsumedMessage[]> {
  const received: ConsumedMessage[] = [];
  const consumer: TransportConsumer = transport.consumer({ groupId: `reader-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachBatch: async (batch) => {
        for (const message of batch.messages) {
          received.push(message);
          batch.markProcessed(message);
        }
      },
    });
    await eventually(() => {
      if (received.length < count) throw new Error(`read ${received.length} of ${count} messages from ${topic}`);
    }, timeoutMs);
    return received;
  } finally {
    await consumer.disconnect();
  }
}

export function uniqueName(prefix: string): string {
  return `${prefix}.${randomUUID()}`;
}
