import { createHash, randomUUID } from 'node:crypto';
import type { AnyEvent, EventPayload, EventOf, EventType, LineQuantity, Money, OrderLine } from '@switchyard/contracts';
import { EventCodec, keyOf, topicOf } from '@switchyard/contracts';
import { createTestDatabase, type TestDatabase } from '@switchyard/infra';
import { Headers, type Transport } from '@switchyard/messaging';
import type { RunningService } from '@switchyard/service-kit';
import { eventually, publishRaw, startServiceUnderTest, TopicReader, type ServiceUnderTest } from '@switchyard/service-kit/testing';
import { orchestratorService } from '../orchestrator.definition';

export const LOCATION_A = 'dc-a';
export const LOCATION_B = 'dc-b';
export const instructions = (locationId: string) => `fulfilment.instructions.${locationId}`;

// ── What the other services would send ─────────────────────────────────────────────────────────

const eur = (amount: string): Money => ({ amount, currency: 'EUR' });
const metadata = (correlationId: string) => ({ eventId: randomUUID(), occurredAt: Date.now(), correlationId, causationId: null });

/** The namespace is the run's own: a label unique within the spec is a unique order id. */
export const newOrderId = (label: string) => `ord-${label}`;

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
  orderRejected: (orderId: string): EventOf<'OrderRejected'> => ({
    type: 'OrderRejected',
    payload: { metadata: metadata(orderId), orderId, channel: 'web-de', channelOrderId: `WEB-${orderId}`, reason: 'UNKNOWN_SKU', detail: 'line l1: SKU not in the catalogue', customer: null },
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

const codec = new EventCodec();

/** The same event again under a new message id, as a producer retrying after a lost acknowledgement would send it. */
export function redeliver(transport: Transport, event: AnyEvent): Promise<void> {
  return publishRaw(transport, topicOf(event), keyOf(event), codec.encodeEvent(event), { [Headers.eventType]: event.type });
}

/** What the orchestrator published about one order, read by a TopicReader of its namespace's output topics. */
export class OrderEvents {
  constructor(readonly reader: TopicReader) {}

  /** Every event of this type about this order read so far (on `topic`, if given). */
  all<T extends EventType>(type: T, orderId: string, topic?: string): EventPayload<T>[] {
    return this.about(type, orderId, topic).map((r) => r.event?.payload as unknown as EventPayload<T>);
  }

  /** Waits until `count` events of this type about the order were read, and returns them. */
  waitFor<T extends EventType>(type: T, orderId: string, count = 1, topic?: string): Promise<EventPayload<T>[]> {
    return eventually(() => {
      const found = this.all(type, orderId, topic);
      if (found.length < count) throw new Error(`waiting for ${count} ${type} of ${orderId}${topic ? ` on ${topic}` : ''}; ${found.length} so far`);
      return found;
    });
  }

  /** The message ids of what the orchestrator published of this type about this order. */
  messageIds(type: EventType, orderId: string): string[] {
    return this.about(type, orderId).flatMap((r) => (r.headers[Headers.messageId] ? [r.headers[Headers.messageId]] : []));
  }

  /** Everything on the output topics up to now is read: after this, `all` is complete, not just "so far". */
  caughtUp(): Promise<void> {
    return this.reader.caughtUp();
  }

  private about(type: EventType, orderId: string, topic?: string) {
    return this.reader.received.filter(
      (r) => r.event?.type === type && (topic === undefined || r.topic === topic) && (r.event.payload as { orderId?: string }).orderId === orderId,
    );
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
  /** The broker in the orchestrator's namespace: publish the other services' replies here. */
  readonly transport: Transport;
  readonly service: RunningService;
  /** What it published on its output topics since the start. */
  readonly events: OrderEvents;
  /** Every log line the service wrote. */
  readonly logs: string[];
  /** Stops the service (the database and namespace stay). */
  stop(): Promise<void>;
  /** Starts it again on the same database and in the same namespace (so the same consumer group). */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the orchestrator on a fresh database, in a namespace of its own, with a reader of its output topics. */
export async function startOrchestrator(env: Record<string, string> = {}): Promise<OrchestratorUnderTest> {
  const database = await createTestDatabase('orchestrator');
  const logs: string[] = [];
  const fullEnv: Record<string, string> = {
    ORCHESTRATOR_OPERATOR_KEYS: `${hashed(operator, 'operator')},${hashed(viewer, 'viewer')}`,
    ORCHESTRATOR_TIMER_SCAN_INTERVAL_MS: '100',
    ...env,
  };
  const boot = (namespace?: string) =>
    startServiceUnderTest(orchestratorService, namespace ? { ...fullEnv, TOPIC_NAMESPACE: namespace } : fullEnv, { database, writeLog: (line) => logs.push(line) });
  let current: ServiceUnderTest;
  let reader: TopicReader;
  try {
    current = await boot();
    reader = await TopicReader.start(current.transport, OUTPUT_TOPICS);
  } catch (error) {
    await database.drop();
    throw error;
  }
  const { namespace, transport } = current;
  return {
    database,
    transport,
    get service() {
      return current.service;
    },
    events: new OrderEvents(reader),
    logs,
    stop: () => current.stop(),
    start: async () => {
      current = await boot(namespace);
    },
    close: async () => {
      await reader.stop();
      await current.stop();
      await database.drop();
    },
  };
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
