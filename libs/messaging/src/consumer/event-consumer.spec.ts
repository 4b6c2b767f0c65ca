import { EventCodec } from '@switchyard/contracts';
import { parseBrokers } from '@switchyard/infra';
import { FatalError } from '../errors';
import { DeadLetterHeaders, Headers } from '../headers';
import { Inbox } from '../inbox/inbox';
import { JsonLogger } from '../logger';
import { messagingMigration } from '../migrations';
import { deadLetterTopic } from '../names';
import { Outbox } from '../outbox/outbox';
import { OutboxRelay } from '../outbox/relay';
import { eventually } from '../testing/eventually';
import { createMessagingTestDatabase, MessagingTestDatabase, readTopic, recordEffect, stockAdjusted, uniqueName } from '../testing/messaging-test-kit';
import { ensureTopics } from '../topics';
import { createKafkaTransport } from '../transport/kafka-transport';
import { EventConsumer, EventConsumerOptions, EventHandlers } from './event-consumer';

// What the contract suite does not cover: graceful shutdown, unhandled event types, and misuse that must fail loudly.
describe('EventConsumer, Outbox and OutboxRelay (real Kafka and PostgreSQL)', () => {
  const transport = createKafkaTransport({ brokers: parseBrokers(process.env['KAFKA_BROKERS'] ?? ''), clientId: 'messaging-consumer-spec', maxWaitTimeMs: 200 });
  const codec = new EventCodec();
  let db: MessagingTestDatabase;
  let outbox: Outbox;
  const stoppables: { stop(): Promise<void> }[] = [];

  beforeAll(async () => {
    db = await createMessagingTestDatabase('messaging consumer', 'consumer_spec');
    outbox = new Outbox({ schema: db.schema, codec });
    const relay = new OutboxRelay({ dataSource: db.dataSource, schema: db.schema, transport, pollIntervalMs: 200 });
    stoppables.push(relay);
    await relay.start();
  });

  afterAll(async () => {
    while (stoppables.length > 0) await stoppables.pop()?.stop();
    await db?.close();
  });

  function consumerOf(groupId: string, name: string, handlers: EventHandlers, extra: Partial<EventConsumerOptions> = {}): EventConsumer {
    const consumer = new EventConsumer({ transport, dataSource: db.dataSource, schema: db.schema, groupId, topics: [name], codec, handlers, ...extra });
    stoppables.push(consumer);
    return consumer;
  }

  async function topic(): Promise<string> {
    const name = uniqueName('consumer');
    await ensureTopics(transport, [name], { partitions: 1, replicationFactor: 1 });
    return name;
  }

  it('on stop, finishes the message in progress, commits it, and fetches nothing more', async () => {
    const name = await topic();
    const groupId = uniqueName('draining');
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered = 0;
    const consumer = consumerOf(groupId, name, {
      StockAdjusted: async (event, context) => {
        entered++;
        await recordEffect(event, context, db.schema);
        if (event.payload.onHandAfter === 0) await gate;
      },
    });
    await consumer.start();
    await db.dataSource.transaction((em) => outbox.add(em, [0, 1, 2].map((seq) => stockAdjusted(name, 'SKU-DRAIN', seq))));
    await eventually(() => expect(entered).toBe(1));

    const stopped = consumer.stop();
    release();
    await stopped;

    expect((await db.effects(groupId)).map((e) => e.seq)).toEqual([0]);
    expect(entered).toBe(1);
    const admin = transport.admin();
    await admin.connect();
    const committed = await admin.committedOffsets(groupId, name);
    await admin.disconnect();
    expect(committed).toEqual([{ partition: 0, offset: '1' }]);

    // The successor starts after the drained message: no duplicate, nothing lost.
    const successor = consumerOf(groupId, name, { StockAdjusted: (event, context) => recordEffect(event, context, db.schema) });
    await successor.start();
    await eventually(async () => expect((await db.effects(groupId)).map((e) => e.seq)).toEqual([0, 1, 2]));
    expect(successor.stats.duplicate).toBe(0);
  });

  it('applies a run of messages in one transaction, rolling back only the one whose handler failed', async () => {
    const name = await topic();
    const groupId = uniqueName('runs');
    const txids = new Map<number, string[]>();
    await db.dataSource.transaction((em) => outbox.add(em, [0, 1, 2, 3, 4, 5].map((seq) => stockAdjusted(name, 'SKU-RUN', seq))));
    const consumer = consumerOf(groupId, name, {
      StockAdjusted: async (event, context) => {
        const seq = event.payload.onHandAfter;
        const [{ txid }] = await context.entityManager.query('SELECT txid_current()::text AS txid');
        txids.set(seq, [...(txids.get(seq) ?? []), txid]);
        await recordEffect(event, context, db.schema);
        if (context.message.attempt > 1) return;
        // A real database error inside the handler: it aborts the transaction up to the message's savepoint.
        if (seq === 2) await context.entityManager.query(`INSERT INTO "${db.schema}".messaging_inbox SELECT * FROM "${db.schema}".messaging_inbox LIMIT 1`);
        // A handler that swallows a database error must not pass for a success (COMMIT would silently roll back).
        if (seq === 4) await context.entityManager.query('SELECT 1/0').catch(() => undefined);
      },
    }, { retry: { maxAttempts: 3, initialBackoffMs: 10, maxBackoffMs: 20 } });
    await consumer.start();

    await eventually(() => expect(consumer.stats.applied).toBe(6));

    expect((await db.effects(groupId)).map((e) => e.seq)).toEqual([0, 1, 2, 3, 4, 5]);
    expect([2, 4].map((seq) => txids.get(seq)?.length)).toEqual([2, 2]);
    // 0 and 1 shared the first transaction; 2 failed in it and committed alone on its second attempt.
    expect(txids.get(1)?.[0]).toBe(txids.get(0)?.[0]);
    expect(txids.get(2)?.[0]).toBe(txids.get(0)?.[0]);
    expect(txids.get(2)?.[1]).not.toBe(txids.get(0)?.[0]);
    expect(consumer.stats['dead-lettered']).toBe(0);
  });

  it('keeps a message whose database connection died under the handler: retried without using up its attempts', async () => {
    const name = await topic();
    const groupId = uniqueName('db-loss');
    let killed = false;
    const succeededOnAttempt: number[] = [];
    const consumer = consumerOf(groupId, name, {
      StockAdjusted: async (event, context) => {
        if (!killed) {
          killed = true;
          // The server ends this very session, as a database restart or failover would.
          await context.entityManager.query('SELECT pg_terminate_backend(pg_backend_pid())');
        }
        await recordEffect(event, context, db.schema);
        succeededOnAttempt.push(context.message.attempt);
      },
      // One transaction per message: the failure reaches the retry policy as the handler's own error (SQLSTATE 57P01).
    }, { retry: { maxAttempts: 1, initialBackoffMs: 10, maxBackoffMs: 50 }, transactionBatchSize: 1 });
    await consumer.start();
    await db.dataSource.transaction((em) => outbox.add(em, [0, 1].map((seq) => stockAdjusted(name, 'SKU-FAILOVER', seq))));

    await eventually(() => expect(consumer.stats.applied).toBe(2));

    expect(killed).toBe(true);
    expect(succeededOnAttempt).toEqual([1, 1]);
    expect(consumer.stats['dead-lettered']).toBe(0);
    expect((await db.effects(groupId)).map((e) => e.seq)).toEqual([0, 1]);
  });

  it('keeps relaying after its database session is killed: it reconnects, takes the lock again, publishes', async () => {
    const name = await topic();
    const groupId = uniqueName('relay-loss');
    const consumer = consumerOf(groupId, name, { StockAdjusted: (event, context) => recordEffect(event, context, db.schema) });
    await consumer.start();
    const [{ killed }] = await db.dataSource.query(
      `SELECT count(pg_terminate_backend(pid))::int AS killed FROM pg_stat_activity WHERE application_name = 'switchyard-outbox-relay' AND datname = current_database()`,
    );
    expect(killed).toBe(1);

    await db.dataSource.transaction((em) => outbox.add(em, [0, 1, 2].map((seq) => stockAdjusted(name, 'SKU-RECONNECT', seq))));

    await eventually(async () => expect((await db.effects(groupId)).map((e) => e.seq)).toEqual([0, 1, 2]));
    await eventually(async () => expect(await db.outboxCount()).toBe(0));
  });

  it('dead-letters an event type the group has no handler for, unless told to ignore it', async () => {
    const name = await topic();
    const strict = uniqueName('strict');
    const lenient = uniqueName('lenient');
    const strictConsumer = consumerOf(strict, name, {});
    const lenientConsumer = consumerOf(lenient, name, {}, { unhandledEvents: 'ignore' });
    await strictConsumer.start();
    await lenientConsumer.start();
    await db.dataSource.transaction((em) => outbox.add(em, [stockAdjusted(name, 'SKU-NOBODY', 1)]));

    const [dead] = await readTopic(transport, deadLetterTopic(name), 1);
    await eventually(() => expect(lenientConsumer.stats.ignored).toBe(1));

    expect(dead.headers[DeadLetterHeaders.reason]).toBe('no-handler');
    expect(dead.headers[DeadLetterHeaders.error]).toContain(`is a StockAdjusted, which consumer group ${strict} has no handler for`);
    expect(lenientConsumer.stats['dead-lettered']).toBe(0);
  });

  it('logs JSON lines that say where a message is (topic, partition, offset, message id, trace id), never its payload', async () => {
    const name = await topic();
    const groupId = uniqueName('logged');
    const lines: string[] = [];
    const logger = new JsonLogger({ level: 'debug', service: 'inventory', write: (line) => lines.push(line) });
    const consumer = consumerOf(groupId, name, {
      StockAdjusted: () => {
        throw new FatalError('cycle count rejected by policy');
      },
    }, { logger });
    await consumer.start();
    // As another service would send it: its trace context in the headers.
    const messageId = 'msg-logged-1';
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const producer = transport.producer();
    await producer.connect();
    await producer.send([{
      topic: name,
      messages: [{ key: 'SKU-PERSONAL-7f3c@dc-contract', value: codec.encodeEvent(stockAdjusted(name, 'SKU-PERSONAL-7f3c', 1).event), headers: { [Headers.messageId]: messageId, [Headers.traceparent]: `00-${traceId}-00f067aa0ba902b7-01` } }],
    }]);
    await producer.disconnect();

    await eventually(() => expect(consumer.stats['dead-lettered']).toBe(1));

    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const deadLettered = entries.find((e) => e['message'] === 'message dead-lettered');
    expect(deadLettered).toMatchObject({ level: 'warn', service: 'inventory', topic: name, partition: 0, offset: '0', messageId, traceId, groupId, reason: 'fatal-error', dlq: `${name}.dlq` });
    expect(entries.find((e) => e['message'] === 'handler failed with a FatalError; dead-lettering')).toMatchObject({ level: 'error', messageId, traceId, eventType: 'StockAdjusted' });
    expect(entries.every((e) => typeof e['time'] === 'string' && typeof e['level'] === 'string')).toBe(true);
    // The key carries the SKU too, and stays out of logs like the payload (it is in the DLQ headers only).
    expect(lines.join('\n')).not.toContain('SKU-PERSONAL-7f3c');
  });

  it('adds thousands of events in one transaction (past the parameter limit of one statement), all published in order', async () => {
    const name = await topic();
    const events = Array.from({ length: 2_500 }, (_, seq) => stockAdjusted(name, 'SKU-BULK', seq));

    const ids = await db.dataSource.transaction((em) => outbox.add(em, events));

    expect(new Set(ids).size).toBe(2_500);
    await eventually(async () => expect(await db.outboxCount()).toBe(0));
    const onTopic = await readTopic(transport, name, 2_500);
    expect(onTopic.map((m) => m.headers[Headers.messageId])).toEqual(ids);
  });

  it('refuses outbox writes outside a transaction, invalid payloads and bad topic names, naming the problem', async () => {
    const name = uniqueName('never');
    await expect(outbox.add(db.dataSource.manager, [stockAdjusted(name, 'SKU-X', 1)])).rejects.toThrow(/needs the EntityManager of an open transaction/);
    const invalid = stockAdjusted(name, 'SKU-X', 1);
    const broken = { ...invalid, event: { ...invalid.event, payload: { ...invalid.event.payload, onHandAfter: 'many' as unknown as number } } };
    await expect(db.dataSource.transaction((em) => outbox.add(em, [broken]))).rejects.toThrow(/StockAdjusted payload is invalid: onHandAfter/);
    await expect(db.dataSource.transaction((em) => outbox.add(em, [{ ...invalid, topic: 'orders lifecycle' }]))).rejects.toThrow(/Topic name "orders lifecycle" is not allowed/);
    expect(await db.outboxCount()).toBe(0);
  });

  it('records each message once per consumer group in the inbox, and prunes entries past a cutoff', async () => {
    const inbox = new Inbox(db.schema);
    const entry = (groupId: string, messageId: string) => ({ groupId, messageId, eventType: 'StockAdjusted', topic: 'inventory.events', partition: 0, offset: '7' });
    const recorded = await db.dataSource.transaction(async (em) => [
      await inbox.record(em, entry('pruning', 'old')),
      await inbox.record(em, entry('pruning', 'new')),
      await inbox.record(em, entry('pruning', 'new')),
      await inbox.record(em, entry('other-group', 'new')),
    ]);
    await db.dataSource.query(`UPDATE "${db.schema}".messaging_inbox SET processed_at = now() - interval '8 days' WHERE consumer_group = 'pruning' AND message_id = 'old'`);

    const pruned = await db.dataSource.transaction((em) => inbox.prune(em, new Date(Date.now() - 7 * 24 * 3_600_000)));

    expect(recorded).toEqual([true, true, false, true]);
    expect(pruned).toBe(1);
    const left = await db.dataSource.query(`SELECT consumer_group, message_id FROM "${db.schema}".messaging_inbox WHERE consumer_group IN ('pruning', 'other-group') ORDER BY 1, 2`);
    expect(left).toEqual([{ consumer_group: 'other-group', message_id: 'new' }, { consumer_group: 'pruning', message_id: 'new' }]);
  });

  it('builds migrations only for strictly valid schema names, and they roll back cleanly', async () => {
    expect(() => messagingMigration('inventory"; DROP TABLE x; --')).toThrow(/Schema name .* is not allowed/);
    expect(() => messagingMigration('Inventory')).toThrow(/lower-case/);
    const Migration = messagingMigration('rolled_back');
    const runner = db.dataSource.createQueryRunner();
    try {
      await new Migration().up(runner);
      const created = await runner.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'rolled_back' ORDER BY table_name`);
      await new Migration().down(runner);
      const left = await runner.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'rolled_back'`);
      expect(created).toEqual([{ table_name: 'messaging_inbox' }, { table_name: 'messaging_outbox' }]);
      expect(left).toEqual([]);
      expect(new Migration().name).toBe('MessagingOutboxInbox_rolled_back_1795000000000');
    } finally {
      await runner.release();
    }
  });
});
