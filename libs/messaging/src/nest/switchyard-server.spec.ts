import { randomUUID } from 'node:crypto';
import { Controller, INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { EventCodec, EventOf } from '@switchyard/contracts';
import { parseBrokers } from '@switchyard/infra';
import { FatalError } from '../errors';
import { DeadLetterHeaders } from '../headers';
import { JsonLogger } from '../logger';
import { deadLetterTopic } from '../names';
import { Outbox } from '../outbox/outbox';
import { eventually } from '../testing/eventually';
import { createMessagingTestDatabase, insertEffect, MessagingTestDatabase, readTopic, stockAdjusted, uniqueName } from '../testing/messaging-test-kit';
import { createKafkaTransport } from '../transport/kafka-transport';
import { Transport } from '../transport/transport';
import { SwitchyardContext, SwitchyardExceptionFilter, SwitchyardServer, SwitchyardServerOptions } from './switchyard-server';

const SCHEMA = 'nest_inventory';

interface Seen {
  readonly type: string;
  readonly sku: string;
  readonly onHandAfter: number;
  readonly isBuffer: boolean;
  readonly topic: string;
  readonly attempt: number;
}

const seen: Seen[] = [];
let topics: { adjustments: string; holds: string };

@Controller()
class StockController {
  @EventPattern('StockAdjusted')
  async onStockAdjusted(@Payload() event: EventOf<'StockAdjusted'>, @Ctx() ctx: SwitchyardContext): Promise<void> {
    const { sku, onHandAfter } = event.payload;
    seen.push({ type: event.type, sku, onHandAfter, isBuffer: Buffer.isBuffer(event), topic: ctx.message.topic, attempt: ctx.message.attempt });
    await insertEffect(ctx.entityManager, SCHEMA, ctx.message.groupId, ctx.message.messageId, ctx.message.key ?? '', onHandAfter, ctx.message.partition);
    if (onHandAfter < 0) throw new FatalError(`on-hand count ${onHandAfter} for ${sku} at dc-contract cannot be negative`);
    if (onHandAfter === 0) {
      // Out of stock: hold the order waiting for it, in the same transaction.
      await ctx.outbox.add([
        {
          topic: topics.holds,
          key: 'ord-1',
          event: {
            type: 'OrderHeld',
            payload: {
              metadata: { eventId: randomUUID(), occurredAt: 1_795_000_000_000, correlationId: 'ord-1', causationId: ctx.message.messageId },
              orderId: 'ord-1',
              reason: 'AWAITING_STOCK',
              heldLines: [{ lineId: 'l1', sku, quantity: 1 }],
              heldBy: null,
              reviewAt: null,
            },
          },
        },
      ]);
    }
  }

  @EventPattern('OrderHeld')
  onOrderHeld(@Payload() event: EventOf<'OrderHeld'>, @Ctx() ctx: SwitchyardContext): Promise<void> {
    seen.push({ type: event.type, sku: event.payload.heldLines[0].sku, onHandAfter: -1, isBuffer: false, topic: ctx.message.topic, attempt: ctx.message.attempt });
    return insertEffect(ctx.entityManager, SCHEMA, ctx.message.groupId, ctx.message.messageId, event.payload.orderId, 1000, ctx.message.partition);
  }
}

@Module({ controllers: [StockController] })
class InventoryModule {}

@Controller()
class AskingController {
  @MessagePattern('StockAdjusted')
  answer(): string {
    return 'no';
  }
}

@Module({ controllers: [AskingController] })
class AskingModule {}

describe('SwitchyardServer (NestJS custom transport strategy, real Kafka and PostgreSQL)', () => {
  let db: MessagingTestDatabase;
  let transport: Transport;
  let app: INestMicroservice | undefined;

  beforeAll(async () => {
    db = await createMessagingTestDatabase('messaging nest', SCHEMA);
    transport = createKafkaTransport({ brokers: parseBrokers(process.env['KAFKA_BROKERS'] ?? ''), clientId: 'messaging-nest-spec', maxWaitTimeMs: 200 });
  });

  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  function server(groupId: string, extra: Partial<SwitchyardServerOptions> = {}): SwitchyardServer {
    return new SwitchyardServer({
      transport,
      dataSource: db.dataSource,
      schema: SCHEMA,
      groupId,
      topics: [topics.adjustments, topics.holds],
      retry: { maxAttempts: 2, initialBackoffMs: 10, maxBackoffMs: 20 },
      relay: { pollIntervalMs: 200 },
      ...extra,
    });
  }

  it('routes decoded, typed events to @EventPattern handlers, in one transaction with the inbox and the outbox, and dead-letters FatalError', async () => {
    topics = { adjustments: uniqueName('nest.stock'), holds: uniqueName('nest.holds') };
    const groupId = uniqueName('inventory');
    app = await NestFactory.createMicroservice(InventoryModule, { strategy: server(groupId), logger: false });
    app.useGlobalFilters(new SwitchyardExceptionFilter());
    await app.listen();

    const outbox = new Outbox({ schema: SCHEMA, codec: new EventCodec() });
    await db.dataSource.transaction((em) => outbox.add(em, [stockAdjusted(topics.adjustments, 'SKU-NEST', 5), stockAdjusted(topics.adjustments, 'SKU-NEST', -3), stockAdjusted(topics.adjustments, 'SKU-NEST', 0)]));

    // 5 and 0 applied; 0 published OrderHeld, whose handler applied it too; -3 rolled back and dead-lettered.
    const effects = await eventually(async () => {
      const rows = await db.effects(groupId);
      if (rows.length < 3) throw new Error(`${rows.length} of 3 effects`);
      return rows;
    });
    expect(effects.map((e) => e.seq)).toEqual([5, 0, 1000]);
    expect(seen.filter((s) => s.type === 'StockAdjusted').map((s) => [s.sku, s.onHandAfter, s.isBuffer, s.topic, s.attempt])).toEqual([
      ['SKU-NEST', 5, false, topics.adjustments, 1],
      ['SKU-NEST', -3, false, topics.adjustments, 1],
      ['SKU-NEST', 0, false, topics.adjustments, 1],
    ]);
    expect(seen.find((s) => s.type === 'OrderHeld')).toMatchObject({ sku: 'SKU-NEST', topic: topics.holds });

    const [dead] = await readTopic(transport, deadLetterTopic(topics.adjustments), 1);
    expect(dead.headers).toMatchObject({
      [DeadLetterHeaders.reason]: 'fatal-error',
      [DeadLetterHeaders.errorType]: 'FatalError',
      [DeadLetterHeaders.error]: 'on-hand count -3 for SKU-NEST at dc-contract cannot be negative',
      [DeadLetterHeaders.attempts]: '1',
      [DeadLetterHeaders.consumerGroup]: groupId,
    });

    await app.close();
    app = undefined;
    // Graceful close committed everything it applied.
    const admin = transport.admin();
    await admin.connect();
    const committed = await admin.committedOffsets(groupId, topics.adjustments);
    const end = await admin.endOffsets(topics.adjustments);
    await admin.disconnect();
    const at = (offsets: { partition: number; offset: string }[]) => offsets.filter((p) => p.offset !== '-1' && p.offset !== '0');
    expect(at(committed)).toEqual(at(end));
  });

  it('without SwitchyardExceptionFilter, still retries and dead-letters a failing handler, and says what to register', async () => {
    topics = { adjustments: uniqueName('nest.stock'), holds: uniqueName('nest.holds') };
    const groupId = uniqueName('unfiltered');
    const lines: string[] = [];
    const strategy = server(groupId, { logger: new JsonLogger({ level: 'warn', write: (line) => lines.push(line) }) });
    const unfiltered = await NestFactory.createMicroservice(InventoryModule, { strategy, logger: false });
    try {
      await unfiltered.listen();
      const outbox = new Outbox({ schema: SCHEMA, codec: new EventCodec() });
      await db.dataSource.transaction((em) => outbox.add(em, [stockAdjusted(topics.adjustments, 'SKU-UNFILTERED', -1)]));

      const [dead] = await readTopic(transport, deadLetterTopic(topics.adjustments), 1);

      // Nest hid the FatalError, so it was treated as unknown: retried, then dead-lettered.
      expect(dead.headers[DeadLetterHeaders.reason]).toBe('retries-exhausted');
      expect(dead.headers[DeadLetterHeaders.attempts]).toBe('2');
      expect(dead.headers[DeadLetterHeaders.error]).toMatch(/Internal server error.*Register SwitchyardExceptionFilter/);
      expect(lines.some((line) => line.includes('register SwitchyardExceptionFilter'))).toBe(true);
    } finally {
      await unfiltered.close();
    }
  });

  it('refuses to start with a @MessagePattern handler, saying what to use instead', async () => {
    topics = { adjustments: uniqueName('nest.stock'), holds: uniqueName('nest.holds') };
    const asking = await NestFactory.createMicroservice(AskingModule, { strategy: server(uniqueName('asking')), logger: false });
    try {
      await expect(asking.listen()).rejects.toThrow(/@MessagePattern\('StockAdjusted'\) asks for a reply.*use @EventPattern\('StockAdjusted'\)/);
    } finally {
      await asking.close();
    }
  });
});
