import { createHash, randomUUID } from 'node:crypto';
import type { AnyEvent, DecodedEvent, EventOf, EventPayload, EventType, LineQuantity, Money, OrderLine } from '@switchyard/contracts';
import { EventCodec, keyOf, topicOf } from '@switchyard/contracts';
import { createTestDatabase, type TestDatabase } from '@switchyard/infra';
import { Headers } from '@switchyard/messaging';
import { RunningService, startService } from '@switchyard/service-kit';
import { eventually } from '@switchyard/service-kit/testing';
import { Admin, Consumer, Kafka, logLevel, Producer } from 'kafkajs';
import { orchestratorService } from '../orchestrator.definition';

export { eventually };

/** Ids unique to one test file's run: the broker is shared with other runs and other services' tests. */
export const runId = randomUUID().slice(0, 8);
export const LOCATION_A = `dc-a-${runId}`;
export const LOCATION_B = `dc-b-${runId}`;
export const instructions = (locationId: string) => `fulfilment.instructions.${locationId}`;

export function brokers(): string[] {
  const list = process.env['KAFKA_BROKERS'];
  if (!list) throw new Error('KAFKA_BROKERS is not set: run `eval "$(npm run -s infra:up)"` first, or run through `npm test` / the project jest config.');
  return list.split(',');
}

const kafka = () => new Kafka({ clientId: `orchestrator-test-${runId}`, brokers: brokers(), logLevel: logLevel.NOTHING });

/** Commits the current end of `topics` for a group that never ran (creating missing topics), so it reads only what comes from now on. */
async function startGroupAtEnd(groupId: string, topics: readonly string[]): Promise<{ topic: string; partition: number; offset: string }[]> {
  const client = kafka();
  const admin = client.admin();
  await admin.connect();
  let ends: { topic: string; partition: number; offset: string }[];
  try {
    const existing = new Set(await admin.listTopics());
    await admin.createTopics({ topics: topics.filter((t) => !existing.has(t)).map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })), waitForLeaders: true });
    // A topic created a moment ago may not have its leaders yet: ask again until it answers.
    ends = await eventually(async () =>
      (await Promise.all(topics.map(async (topic) => (await admin.fetchTopicOffsets(topic)).map((o) => ({ topic, partition: o.partition, offset: o.high }))))).flat(),
      30_000,
    );
  } finally {
    await admin.disconnect();
  }
  const consumer = client.consumer({ groupId });
  await consumer.connect();
  try {
    const joined = new Promise((resolve) => consumer.on(consumer.events.GROUP_JOIN, resolve));
    await consumer.subscribe({ topics: [...topics], fromBeginning: false });
    await consumer.run({ autoCommit: false, eachMessage: async () => undefined });
    await joined;
    await consumer.commitOffsets(ends);
  } finally {
    await consumer.disconnect();
  }
  return ends;
}

// ── What the other services would send ─────────────────────────────────────────────────────────

const eur = (amount: string): Money => ({ amount, currency: 'EUR' });
const metadata = (correlationId: string) => ({ eventId: randomUUID(), occurredAt: Date.now(), correlationId, causationId: null });

export const newOrderId = (label: string) => `ord-${label}-${runId}-${randomUUID().slice(0, 6)}`;

/** Two lines of SKUs unique to this order, so stock signals of other tests never touch it. */
export function linesFor(orderId: string): OrderLine[] {
  const tag = createHash('sha1').update(orderId).digest('hex').slice(0, 8);
  return [
    { lineId: 'l1', sku: `KETTLE-${tag}`, quantity: 1, unitWeightGrams: 1450, unitPrice: eur('39.9900') },
    { lineId: 'l2', sku: `MUG-${tag}`, quantity: 4, unitWeightGrams: 300, unitPrice: eur('7.5000') },
  ];
}

export const asQuantities = (lines: readonly OrderLine[]): LineQuantity[] => lines.map(({ lineId, sku, quantity }) => ({ lineId, sku, quantity }));

export const send = {
  accepted: (orderId: string, backOrderPolicy: EventPayload<'OrderAccepted'>['backOrderPolicy'] = 'HOLD', lines = linesFor(orderId)): EventOf<'OrderAccepted'> => ({
    type: 'OrderAccepted',
    payload: {
      metadata: metadata(orderId), orderId, channel: 'web-de', channelOrderId: `WEB-${orderId}`, market: 'DE',
      customer: { customerId: 'c-1', tier: 'gold', priority: 0, contactReference: 'crm:1', email: null, locale: 'de-DE' },
      destination: { recipientName: 'Kim Weber', line1: 'Torstraße 12', line2: null, city: 'Berlin', region: null, postalCode: '10119', countryCode: 'DE', coordinates: null },
      serviceLevel: 'STANDARD', promisedDate: null, backOrderPolicy, lines,
    },
  }),
  routed: (orderId: string, attempt: number, shipments: { shipmentId: string; locationId: string; lines: LineQuantity[] }[]): EventOf<'OrderRouted'> => ({
    type: 'OrderRouted',
    payload: {
      metadata: metadata(orderId), orderId, attempt,
      plan: { shipments: shipments.map((s) => ({ ...s, estimatedCost: eur('5.0000'), estimatedDelivery: '2027-01-20' })), backOrderedLines: [], totalEstimatedCost: eur('10.0000') },
      explanation: { decisionId: `dec-${orderId}-${attempt}`, rulesetId: 'eu', rulesetVersion: 1, summary: 'cheapest', candidatesConsidered: 2 },
    },
  }),
  unroutable: (orderId: string, attempt: number, lines: LineQuantity[]): EventOf<'OrderUnroutable'> => ({
    type: 'OrderUnroutable',
    payload: { metadata: metadata(orderId), orderId, attempt, reason: 'NO_STOCK', unplaceableLines: lines, decisionId: `dec-${orderId}-${attempt}`, summary: 'no ATP anywhere' },
  }),
  reserved: (command: EventPayload<'ReserveStock'>): EventOf<'StockReserved'> => ({
    type: 'StockReserved',
    payload: { metadata: metadata(command.orderId), orderId: command.orderId, reservationId: command.reservationId, items: command.items },
  }),
  reservationFailed: (command: EventPayload<'ReserveStock'>): EventOf<'StockReservationFailed'> => ({
    type: 'StockReservationFailed',
    payload: {
      metadata: metadata(command.orderId), orderId: command.orderId, reservationId: command.reservationId, reason: 'INSUFFICIENT_STOCK',
      shortItems: command.items.map((i) => ({ lineId: i.lineId, sku: i.sku, locationId: i.locationId, requested: i.quantity, available: 0 })),
    },
  }),
  rejected: (instruction: EventPayload<'FulfilmentInstructed'>, rejectedLines: LineQuantity[]): EventOf<'FulfilmentRejected'> => ({
    type: 'FulfilmentRejected',
    payload: {
      metadata: metadata(instruction.orderId), orderId: instruction.orderId, fulfilmentId: instruction.fulfilmentId, locationId: instruction.locationId,
      reason: 'DAMAGED', rejectedLines, detail: 'pallet dropped',
    },
  }),
  carrierSelected: (command: EventPayload<'SelectCarrier'>): EventOf<'CarrierSelected'> => ({
    type: 'CarrierSelected',
    payload: {
      metadata: metadata(command.orderId), orderId: command.orderId,
      selections: command.shipments.map((s) => ({ shipmentId: s.shipmentId, carrier: { carrierId: 'dhl', serviceCode: 'PARCEL' }, quotedCost: eur('4.9000'), estimatedDelivery: '2027-01-20' })),
    },
  }),
  carrierFailed: (command: EventPayload<'SelectCarrier'>): EventOf<'CarrierSelectionFailed'> => ({
    type: 'CarrierSelectionFailed',
    payload: { metadata: metadata(command.orderId), orderId: command.orderId, shipmentIds: command.shipments.map((s) => s.shipmentId), reason: 'CARRIERS_UNAVAILABLE', detail: 'every adapter timed out' },
  }),
  dispatched: (instruction: EventPayload<'FulfilmentInstructed'>): EventOf<'ShipmentDispatched'> => ({
    type: 'ShipmentDispatched',
    payload: {
      metadata: metadata(instruction.orderId), orderId: instruction.orderId, fulfilmentId: instruction.fulfilmentId, locationId: instruction.locationId,
      carrier: instruction.carrier, trackingNumber: `trk-${instruction.fulfilmentId}`, trackingUrl: null, lines: instruction.lines,
    },
  }),
  stockLevel: (sku: string, locationId: string, available: number): EventOf<'StockLevelChanged'> => ({
    type: 'StockLevelChanged',
    payload: { metadata: metadata(`${sku}@${locationId}`), sku, locationId, onHand: available, reserved: 0, safetyStock: 0, available },
  }),
  fulfilmentCancelled: (instruction: EventPayload<'FulfilmentInstructed'>): EventOf<'FulfilmentCancelled'> => ({
    type: 'FulfilmentCancelled',
    payload: { metadata: metadata(instruction.orderId), orderId: instruction.orderId, fulfilmentId: instruction.fulfilmentId, locationId: instruction.locationId },
  }),
  cancel: (orderId: string): EventOf<'CancelOrder'> => ({
    type: 'CancelOrder',
    payload: { metadata: metadata(orderId), orderId, requestedBy: 'web-de', reason: 'CUSTOMER_REQUEST', note: 'customer changed their mind' },
  }),
};

// ── Reading what the orchestrator sends ───────────────────────────────────────────────────────

export const OUTPUT_TOPICS = ['routing.commands', 'inventory.commands', 'carrier.commands', 'orders.lifecycle', instructions(LOCATION_A), instructions(LOCATION_B)];

type Payloads<T extends EventType> = EventPayload<T>[];

/**
 * The world around the orchestrator on the shared broker: a producer for the replies other services would send, and
 * a reader (a fresh group) of every topic the orchestrator publishes to, from the moment the probe opened.
 */
export class KafkaProbe {
  readonly received: { topic: string; messageId: string | null; event: DecodedEvent }[] = [];
  private readonly consumed = new Map<string, number>();
  private readonly codec = new EventCodec();

  private constructor(
    private readonly producer: Producer,
    private readonly reader: Consumer,
    private readonly admin: Admin,
  ) {}

  static async open(): Promise<KafkaProbe> {
    const client = kafka();
    const groupId = `orchestrator-test-reader-${runId}-${randomUUID().slice(0, 8)}`;
    const starts = await startGroupAtEnd(groupId, OUTPUT_TOPICS);
    const producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
    const reader = client.consumer({ groupId });
    const admin = client.admin();
    await Promise.all([producer.connect(), reader.connect(), admin.connect()]);
    await reader.subscribe({ topics: OUTPUT_TOPICS, fromBeginning: true });
    const probe = new KafkaProbe(producer, reader, admin);
    // Where the reader starts: a partition nothing new arrives on is read up to here.
    for (const start of starts) probe.consumed.set(`${start.topic}/${start.partition}`, Number(start.offset));
    await reader.run({
      eachMessage: async ({ topic, partition, message }) => {
        const messageId = message.headers?.[Headers.messageId]?.toString() ?? null;
        if (message.value) probe.received.push({ topic, messageId, event: probe.codec.decode(message.value) });
        probe.consumed.set(`${topic}/${partition}`, Number(message.offset) + 1);
      },
    });
    return probe;
  }

  /** Publishes events to their own topics, keyed as the contracts say, each with a fresh message id; returns the message ids. */
  async publish(...events: AnyEvent[]): Promise<string[]> {
    const ids: string[] = [];
    for (const event of events) {
      const messageId = randomUUID();
      await this.producer.send({
        topic: topicOf(event),
        messages: [{ key: keyOf(event), value: this.codec.encodeEvent(event), headers: { [Headers.messageId]: messageId, [Headers.eventType]: event.type } }],
      });
      ids.push(messageId);
    }
    return ids;
  }

  /** The message ids of what the orchestrator published of this type about this order. */
  messageIds(type: EventType, orderId: string): string[] {
    return this.received
      .filter((r) => r.event.type === type && (r.event.payload as { orderId?: string }).orderId === orderId)
      .flatMap((r) => (r.messageId ? [r.messageId] : []));
  }

  /** Every event of this type about this order received so far (on `topic`, if given). */
  all<T extends EventType>(type: T, orderId: string, topic?: string): Payloads<T> {
    return this.received
      .filter((r) => r.event.type === type && (topic === undefined || r.topic === topic))
      .map((r) => r.event.payload as unknown as EventPayload<T> & { orderId?: string })
      .filter((p) => p.orderId === orderId);
  }

  /** Waits until `count` events of this type about the order arrived, and returns them. */
  async waitFor<T extends EventType>(type: T, orderId: string, count = 1, topic?: string): Promise<Payloads<T>> {
    return eventually(() => {
      const found = this.all(type, orderId, topic);
      if (found.length < count) throw new Error(`waiting for ${count} ${type} of ${orderId}${topic ? ` on ${topic}` : ''}; ${found.length} so far`);
      return found;
    });
  }

  /** Waits until the reader has read everything on its topics up to now: after this, `all` is complete, not just "so far". */
  async caughtUp(): Promise<void> {
    const ends = (await Promise.all(OUTPUT_TOPICS.map(async (topic) => (await this.admin.fetchTopicOffsets(topic)).map((o) => ({ topic, ...o }))))).flat();
    await eventually(() => {
      for (const end of ends) {
        const high = Number(end.high);
        const read = this.consumed.get(`${end.topic}/${end.partition}`);
        if ((read ?? 0) < high) throw new Error(`reader at ${read ?? 'nothing'} of ${end.topic}/${end.partition}, which ends at ${high}`);
      }
    });
  }

  async close(): Promise<void> {
    await this.reader.disconnect();
    await this.producer.disconnect();
    await this.admin.disconnect();
  }
}

// ── The orchestrator under test ───────────────────────────────────────────────────────────────

export interface OperatorKey {
  readonly operatorId: string;
  readonly key: string;
}

export const hashOf = (k: OperatorKey) => createHash('sha256').update(k.key).digest('hex');
export const operator: OperatorKey = { operatorId: 'ops-anna', key: `key-${randomUUID()}-${randomUUID()}` };
export const viewer: OperatorKey = { operatorId: 'ops-vic', key: `key-${randomUUID()}-${randomUUID()}` };
const hashed = (k: OperatorKey, role: string) => `${k.operatorId}:${role}:${hashOf(k)}`;

export interface OrchestratorUnderTest {
  readonly database: TestDatabase;
  service: RunningService;
  readonly env: Record<string, string>;
  /** Every log line the service wrote. */
  readonly logs: string[];
  /** Stops the service (the database stays) and starts it again on the same database and consumer group. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the orchestrator on a fresh database, in a consumer group of this run's own that starts at the end of its topics. */
export async function startOrchestrator(label: string, env: Record<string, string> = {}): Promise<OrchestratorUnderTest> {
  const database = await createTestDatabase(`orchestrator ${label}`);
  const definition = { ...orchestratorService, name: `orchestrator-${label}-${runId}` };
  await startGroupAtEnd(definition.name, definition.consumes);
  const fullEnv = {
    DATABASE_URL: database.url, KAFKA_BROKERS: brokers().join(','), PORT: '0', LOG_LEVEL: 'warn',
    ORCHESTRATOR_OPERATOR_KEYS: `${hashed(operator, 'operator')},${hashed(viewer, 'viewer')}`,
    ORCHESTRATOR_TIMER_SCAN_INTERVAL_MS: '100',
    ...env,
  };
  const logs: string[] = [];
  const boot = () => startService(definition, { env: fullEnv, writeLog: (line) => logs.push(line) });
  let service: RunningService | undefined;
  try {
    service = await boot();
  } catch (error) {
    await database.drop();
    throw error;
  }
  const running: OrchestratorUnderTest = {
    database,
    service,
    env: fullEnv,
    logs,
    stop: async () => running.service.close(),
    start: async () => {
      running.service = await boot();
    },
    restart: async () => {
      await running.stop();
      await running.start();
    },
    close: async () => {
      await running.service.close();
      await database.drop();
    },
  };
  return running;
}

/** A call to the ops API with an operator's key. */
export async function ops(url: string, method: 'GET' | 'POST', path: string, who: OperatorKey | null, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(who ? { authorization: `Bearer ${who.key}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
