import { randomUUID } from 'node:crypto';
import { SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { EventCodec } from '@switchyard/contracts';
import { parseBrokers } from '@switchyard/infra';
import { EventConsumer } from '../consumer/event-consumer';
import { Headers } from '../headers';
import { Outbox } from '../outbox/outbox';
import { OutboxRelay } from '../outbox/relay';
import { ensureTopics } from '../topics';
import { eventually } from '../testing/eventually';
import { createMessagingTestDatabase, MessagingTestDatabase, readTopic, recordEffect, stockAdjusted, uniqueName } from '../testing/messaging-test-kit';
import { createKafkaTransport } from '../transport/kafka-transport';
import { startTracing, Tracing } from './start-tracing';

// W3C trace context through outbox → Kafka headers → handler, with the SDK a service starts (startTracing).
describe('tracing through the outbox, Kafka and the inbox', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let db: MessagingTestDatabase;
  const transport = createKafkaTransport({ brokers: parseBrokers(process.env['KAFKA_BROKERS'] ?? ''), clientId: 'messaging-tracing-spec', maxWaitTimeMs: 200 });
  const stoppables: { stop(): Promise<void> }[] = [];

  beforeAll(async () => {
    tracing = startTracing({ serviceName: 'messaging-tracing-spec', spanProcessors: [new SimpleSpanProcessor(exporter)] });
    db = await createMessagingTestDatabase('messaging tracing', 'traced');
  });

  afterAll(async () => {
    while (stoppables.length > 0) await stoppables.pop()?.stop();
    await db?.close();
    await tracing?.shutdown();
  });

  it('makes the handler span a child of the span that published the message, and continues the trace into its own publishes', async () => {
    const adjustments = uniqueName('traced.stock');
    const followUps = uniqueName('traced.followups');
    await ensureTopics(transport, [adjustments, followUps], { partitions: 1, replicationFactor: 1 });
    const codec = new EventCodec();
    const outbox = new Outbox({ schema: db.schema, codec });
    const groupId = uniqueName('traced');
    const consumer = new EventConsumer({
      transport,
      dataSource: db.dataSource,
      schema: db.schema,
      groupId,
      topics: [adjustments],
      codec,
      handlers: {
        StockAdjusted: async (event, context) => {
          await recordEffect(event, context, db.schema);
          await context.outbox.add([stockAdjusted(followUps, event.payload.sku, event.payload.onHandAfter + 1)]);
        },
      },
    });
    const relay = new OutboxRelay({ dataSource: db.dataSource, schema: db.schema, transport, pollIntervalMs: 200 });
    stoppables.push(relay, consumer);
    await relay.start();
    await consumer.start();

    // The request that started it all, e.g. an HTTP call into the service.
    await trace.getTracer('spec').startActiveSpan('POST /v1/stock-adjustments', async (root) => {
      await db.dataSource.transaction((em) => outbox.add(em, [stockAdjusted(adjustments, `SKU-${randomUUID()}`, 1)]));
      root.end();
    });
    const [followUp] = await readTopic(transport, followUps, 1);

    const spans = await eventually(() => {
      const finished = exporter.getFinishedSpans();
      const process = finished.find((s) => s.name === `${adjustments} process`);
      const nextPublish = finished.find((s) => s.name === `${followUps} publish`);
      if (!process || !nextPublish) throw new Error(`spans so far: ${finished.map((s) => s.name).join(', ')}`);
      return finished;
    });
    const byName = (name: string): ReadableSpan => spans.find((s) => s.name === name) as ReadableSpan;
    const root = byName('POST /v1/stock-adjustments');
    const publish = byName(`${adjustments} publish`);
    const process = byName(`${adjustments} process`);
    const nextPublish = byName(`${followUps} publish`);

    expect(publish.kind).toBe(SpanKind.PRODUCER);
    expect(process.kind).toBe(SpanKind.CONSUMER);
    const traceId = publish.spanContext().traceId;
    expect([root, process, nextPublish].map((s) => s.spanContext().traceId)).toEqual([traceId, traceId, traceId]);
    expect(publish.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
    expect(process.parentSpanContext?.spanId).toBe(publish.spanContext().spanId);
    expect(nextPublish.parentSpanContext?.spanId).toBe(process.spanContext().spanId);
    expect(process.attributes).toMatchObject({ 'messaging.destination.name': adjustments, 'messaging.consumer.group.name': groupId });
    // The follow-up message carries the trace on the wire as W3C traceparent.
    expect(followUp.headers[Headers.traceparent]).toBe(`00-${traceId}-${nextPublish.spanContext().spanId}-01`);
    // The relay's send span links to the messages it carried.
    const send = spans.find((s) => s.name === 'outbox relay send' && s.links.some((l) => l.context.spanId === publish.spanContext().spanId));
    expect(send).toBeDefined();
  });
});
