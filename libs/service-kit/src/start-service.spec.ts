import { randomUUID } from 'node:crypto';
import { Body, Controller, HttpCode, Inject, Module, Post } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EventOf } from '@switchyard/contracts';
import { createTestDatabase, type TestDatabase } from '@switchyard/infra';
import { DeadLetterHeaders, FatalError, Outbox, SwitchyardContext } from '@switchyard/messaging';
import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { ConfigurationError } from './config';
import { RunningService, ServiceDefinition, startService } from './start-service';
import { eventually, expectCount, TopicReader } from './testing';

// A small real service: HTTP in, an event through its outbox and the broker, a handler's effect in its schema.
const SCHEMA = 'kit_probe';
const topic = `kit.stock.${randomUUID()}`;

class CreateCounts1795000000500 implements MigrationInterface {
  name = 'CreateCounts1795000000500';
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE ${SCHEMA}.counts (sku text PRIMARY KEY, on_hand integer NOT NULL)`);
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${SCHEMA}.counts`);
  }
}

@Controller()
class CountsController {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(Outbox) private readonly outbox: Outbox,
  ) {}

  @Post('v1/counts')
  @HttpCode(202)
  async count(@Body() body: { sku: string; onHand: number }): Promise<{ accepted: string }> {
    const [messageId] = await this.dataSource.transaction((em) =>
      this.outbox.add(em, [
        {
          topic,
          key: `${body.sku}@dc-kit`,
          event: {
            type: 'StockAdjusted',
            payload: {
              metadata: { eventId: randomUUID(), occurredAt: 1_795_000_000_000, correlationId: body.sku, causationId: null },
              locationId: 'dc-kit',
              sku: body.sku,
              quantityDelta: body.onHand,
              onHandAfter: body.onHand,
              reason: 'CYCLE_COUNT',
              reference: null,
            },
          },
        },
      ]),
    );
    return { accepted: messageId ?? '' };
  }

  /** Publishes to a topic nobody created: the definition's createsTopicsByPrefix covers it. */
  @Post('v1/made')
  @HttpCode(202)
  async made(@Body() body: { topic: string }): Promise<void> {
    await this.dataSource.transaction((em) =>
      this.outbox.add(em, [
        {
          topic: body.topic,
          key: 'SKU-MADE@dc-kit',
          event: {
            type: 'StockAdjusted',
            payload: {
              metadata: { eventId: randomUUID(), occurredAt: 1_795_000_000_000, correlationId: 'SKU-MADE', causationId: null },
              locationId: 'dc-kit',
              sku: 'SKU-MADE',
              quantityDelta: 1,
              onHandAfter: 1,
              reason: 'CYCLE_COUNT',
              reference: null,
            },
          },
        },
      ]),
    );
  }

  @EventPattern('StockAdjusted')
  async onAdjusted(@Payload() event: EventOf<'StockAdjusted'>, @Ctx() ctx: SwitchyardContext): Promise<void> {
    if (event.payload.onHandAfter < 0) throw new FatalError(`on hand for ${event.payload.sku} cannot be ${event.payload.onHandAfter}`);
    await ctx.entityManager.query(
      `INSERT INTO ${SCHEMA}.counts (sku, on_hand) VALUES ($1, $2) ON CONFLICT (sku) DO UPDATE SET on_hand = EXCLUDED.on_hand`,
      [event.payload.sku, event.payload.onHandAfter],
    );
  }
}

@Module({ controllers: [CountsController] })
class ProbeModule {}

const definition: ServiceDefinition = {
  name: 'kit-probe',
  schema: SCHEMA,
  module: ProbeModule,
  consumes: [topic],
  createsTopicsByPrefix: ['kit.made.'],
  migrations: [CreateCounts1795000000500],
};

describe.each(['kafka', 'embedded'] as const)('a service started by the kit on the %s transport', (transport) => {
  let database: TestDatabase;
  let service: RunningService;
  const logLines: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(`service kit ${transport}`);
    service = await startService(definition, {
      env: {
        DATABASE_URL: database.url,
        KAFKA_BROKERS: process.env['KAFKA_BROKERS'],
        MESSAGING_TRANSPORT: transport,
        PORT: '0',
        HTTP_BODY_LIMIT: '2kb',
        // Every topic of this service lives under its own prefix on the shared broker.
        TOPIC_NAMESPACE: `kit-${randomUUID().slice(0, 8)}`,
      },
      writeLog: (line) => logLines.push(line),
    });
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  it('answers /health with the database and the broker checked', async () => {
    const response = await fetch(`${service.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', service: 'kit-probe', checks: { database: 'ok', broker: 'ok' } });
  });

  it('carries a request through its outbox, the broker and its own handler', async () => {
    const response = await fetch(`${service.url}/v1/counts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sku: 'SKU-KIT', onHand: 7 }),
    });
    expect(response.status).toBe(202);
    const rows = await eventually(async () => {
      const found: { on_hand: number }[] = await service.dataSource.query(`SELECT on_hand FROM ${SCHEMA}.counts WHERE sku = $1`, ['SKU-KIT']);
      if (found.length === 0) throw new Error('the handler has not run yet');
      return found;
    });
    expect(rows).toEqual([{ on_hand: 7 }]);
  });

  it("dead-letters a handler's FatalError at once, with its own message", async () => {
    const response = await fetch(`${service.url}/v1/counts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sku: 'SKU-NEGATIVE', onHand: -3 }),
    });
    expect(response.status).toBe(202);
    const reader = await TopicReader.start(service.transport, [`${topic}.dlq`]);
    const [dead] = await eventually(() => expectCount(reader.received, 1, 'dead letters')).finally(() => reader.stop());
    expect(dead?.event?.type).toBe('StockAdjusted');
    expect(dead?.headers[DeadLetterHeaders.reason]).toBe('fatal-error');
    expect(dead?.headers[DeadLetterHeaders.error]).toBe('on hand for SKU-NEGATIVE cannot be -3');
    expect(dead?.headers[DeadLetterHeaders.attempts]).toBe('1');
  });

  it('creates a topic of a createsTopicsByPrefix prefix, with its .dlq, when it first publishes there', async () => {
    const made = `kit.made.${randomUUID().slice(0, 8)}`;
    const partitions = async (name: string): Promise<number> => {
      const admin = service.transport.admin();
      await admin.connect();
      try {
        return await admin.partitionCount(name);
      } catch {
        return 0; // no such topic
      } finally {
        await admin.disconnect();
      }
    };
    expect(await partitions(made)).toBe(0);
    const response = await fetch(`${service.url}/v1/made`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ topic: made }) });
    expect(response.status).toBe(202);
    await eventually(async () => {
      expect(await partitions(made)).toBeGreaterThan(0);
      expect(await partitions(`${made}.dlq`)).toBeGreaterThan(0);
    });
    const reader = await TopicReader.start(service.transport, [made]);
    const [published] = await eventually(() => expectCount(reader.events, 1, `events on ${made}`)).finally(() => reader.stop());
    expect(published?.payload).toMatchObject({ sku: 'SKU-MADE' });
  });

  it('refuses a request body over the configured limit', async () => {
    const response = await fetch(`${service.url}/v1/counts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sku: 'X'.repeat(4096), onHand: 1 }),
    });
    expect(response.status).toBe(413);
  });

  it('logs JSON lines naming the service, with secrets kept out', () => {
    const lines = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.find((l) => l['message'] === 'ready')).toMatchObject({ level: 'info', service: 'kit-probe', schema: SCHEMA });
    expect(lines.every((l) => l['service'] === 'kit-probe')).toBe(true);
  });
});

describe('service lifecycle and configuration', () => {
  it('closes gracefully: HTTP stops answering and its own database connections are released', async () => {
    const database = await createTestDatabase('service kit close');
    try {
      const service = await startService(definition, {
        env: { DATABASE_URL: database.url, KAFKA_BROKERS: process.env['KAFKA_BROKERS'], PORT: '0' },
        writeLog: () => undefined,
      });
      await service.close();
      await service.close();
      expect(service.dataSource.isInitialized).toBe(false);
      await expect(fetch(`${service.url}/health`)).rejects.toThrow();
    } finally {
      await database.drop();
    }
  });

  it('prunes inbox entries older than the retention, a bounded batch at a time, and keeps the younger ones', async () => {
    const database = await createTestDatabase('service kit inbox pruning');
    const logLines: string[] = [];
    try {
      const service = await startService(definition, {
        env: {
          DATABASE_URL: database.url,
          KAFKA_BROKERS: process.env['KAFKA_BROKERS'],
          PORT: '0',
          INBOX_RETENTION_HOURS: '24',
          INBOX_PRUNE_INTERVAL_MS: '100',
          INBOX_PRUNE_BATCH: '2',
        },
        writeLog: (line) => logLines.push(line),
      });
      try {
        const entry = (id: string, hoursAgo: number) =>
          service.dataSource.query(
            `INSERT INTO ${SCHEMA}.messaging_inbox (consumer_group, message_id, event_type, topic, partition, "offset", processed_at)
             VALUES ('kit-probe', $1, 'StockAdjusted', $2, 0, 0, now() - make_interval(hours => $3))`,
            [id, topic, hoursAgo],
          );
        for (const id of ['old-1', 'old-2', 'old-3', 'old-4', 'old-5']) await entry(id, 25);
        await entry('young', 23);
        await eventually(async () => {
          const rows: { message_id: string }[] = await service.dataSource.query(`SELECT message_id FROM ${SCHEMA}.messaging_inbox ORDER BY message_id`);
          expect(rows.map((r) => r.message_id)).toEqual(['young']);
        });
        const pruned = logLines.map((line) => JSON.parse(line) as { message?: string; entries?: number }).filter((l) => l.message === 'inbox pruned');
        expect(pruned.every((l) => l.entries !== undefined && l.entries <= 2)).toBe(true);
        expect(pruned.reduce((sum, l) => sum + (l.entries ?? 0), 0)).toBe(5);
      } finally {
        await service.close();
      }
    } finally {
      await database.drop();
    }
  });

  it('refuses to start without brokers on the Kafka transport, saying which variable to set', async () => {
    await expect(startService(definition, { env: { MESSAGING_TRANSPORT: 'kafka', PORT: '0' }, writeLog: () => undefined })).rejects.toThrow(
      /service kit-probe:[\s\S]*KAFKA_BROKERS is required when MESSAGING_TRANSPORT is kafka/,
    );
  });

  it('lists every bad setting at once', async () => {
    const attempt = startService(definition, { env: { PORT: 'eighty', LOG_LEVEL: 'loud', KAFKA_BROKERS: 'x:1' }, writeLog: () => undefined });
    await expect(attempt).rejects.toBeInstanceOf(ConfigurationError);
    await expect(attempt).rejects.toThrow(/PORT must be a whole number from 0 to 65535; got "eighty"[\s\S]*LOG_LEVEL must be one of debug, info, warn, error; got "loud"/);
  });
});
