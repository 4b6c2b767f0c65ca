import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventOf, LineQuantity } from '@switchyard/contracts';
import { createTestDatabase, type TestDatabase } from '@switchyard/infra';
import { startService, type RunningService } from '@switchyard/service-kit';
import { eventually, expectCount, publish, testTransport, TopicReader, uniqueNamespace } from '@switchyard/service-kit/testing';
import { warehouseSimulatorService } from './warehouse-simulator.definition';

// The simulator on real Kafka and PostgreSQL, every topic and consumer group of the run under its own TOPIC_NAMESPACE.
const run = randomUUID().slice(0, 8);
const namespace = uniqueNamespace('spec-warehouse');
const bus = testTransport(namespace);
const berlin = 'dc-berlin';
const leipzig = 'dc-leipzig';
const slow = 'dc-slow';
const OPERATOR_KEY = `spec-operator-key-${run}`;

let reader: TopicReader;

beforeAll(async () => {
  reader = await TopicReader.start(bus, ['fulfilment.events', 'inventory.events']);
});

afterAll(async () => {
  await reader?.stop();
});

interface Simulator {
  readonly service: RunningService;
  readonly database: TestDatabase;
  readonly env: Record<string, string | undefined>;
}

async function startSimulator(label: string, env: Record<string, string>, database?: TestDatabase): Promise<Simulator> {
  const db = database ?? (await createTestDatabase(`warehouse-simulator ${label}`));
  const fullEnv = { DATABASE_URL: db.url, KAFKA_BROKERS: process.env['KAFKA_BROKERS'], TOPIC_NAMESPACE: namespace, DISPATCH_SCAN_INTERVAL_MS: '100', OPERATOR_KEY, ...env };
  const service = await startService(warehouseSimulatorService(fullEnv), { env: fullEnv, writeLog: () => undefined });
  return { service, database: db, env: fullEnv };
}

const control = async (simulator: Simulator, method: string, path: string, body?: unknown, key: string | null = OPERATOR_KEY) => {
  const response = await fetch(`${simulator.service.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(key === null ? {} : { authorization: `Bearer ${key}` }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

function instruction(locationId: string, lines: LineQuantity[]): EventOf<'FulfilmentInstructed'> {
  const orderId = `ord-${randomUUID()}`;
  return {
    type: 'FulfilmentInstructed',
    payload: {
      metadata: { eventId: randomUUID(), occurredAt: Date.now(), correlationId: orderId, causationId: null },
      orderId,
      fulfilmentId: `${orderId}-f1`,
      locationId,
      channel: 'web-de',
      channelOrderId: `WEB-${run}`,
      shipTo: { recipientName: 'Kim Weber', line1: 'Torstraße 12', line2: null, city: 'Berlin', region: null, postalCode: '10119', countryCode: 'DE', coordinates: null },
      serviceLevel: 'STANDARD',
      carrier: { carrierId: 'tablerate', serviceCode: 'ECONOMY' },
      priority: 0,
      shipBy: null,
      lines,
    },
  };
}

const cancellation = (instructed: EventOf<'FulfilmentInstructed'>): EventOf<'FulfilmentCancellationRequested'> => ({
  type: 'FulfilmentCancellationRequested',
  payload: {
    metadata: { eventId: randomUUID(), occurredAt: Date.now(), correlationId: instructed.payload.orderId, causationId: null },
    orderId: instructed.payload.orderId,
    fulfilmentId: instructed.payload.fulfilmentId,
    locationId: instructed.payload.locationId,
    reason: 'customer cancelled',
  },
});

const forOrder = (orderId: string) => (payload: { orderId: string }) => payload.orderId === orderId;
const one = <T>(find: () => T[], what: string) => eventually(() => expectCount(find(), 1, what)[0] as T);
const stockOf = (locationId: string, sku: string) => reader.of('StockAdjusted', (p) => p.locationId === locationId && p.sku === sku);

describe('a simulator of two locations with a short dispatch delay', () => {
  let simulator: Simulator;
  const sku = (name: string) => `SKU-${name}`;

  beforeAll(async () => {
    simulator = await startSimulator('fast', { WAREHOUSE_LOCATIONS: `${berlin},${leipzig}`, DISPATCH_DELAY_MS: '300' });
  });

  afterAll(async () => {
    await simulator?.service.close();
    await simulator?.database.drop();
  });

  it('puts stock in through the control endpoint, publishing StockAdjusted RECEIVED and CYCLE_COUNT', async () => {
    expect(await control(simulator, 'POST', '/v1/stock', { locationId: berlin, sku: sku('KETTLE'), received: 10, reference: 'GRN-1' })).toEqual({
      status: 200,
      body: { locationId: berlin, sku: sku('KETTLE'), onHand: 10 },
    });
    expect((await control(simulator, 'POST', '/v1/stock', { locationId: berlin, sku: sku('KETTLE'), onHand: 12 })).body).toMatchObject({ onHand: 12 });
    const adjusted = await eventually(() => expectCount(stockOf(berlin, sku('KETTLE')), 2, 'stock adjustments'));
    expect(adjusted.map((e) => [e.payload.reason, e.payload.quantityDelta, e.payload.onHandAfter, e.payload.reference])).toEqual([
      ['RECEIVED', 10, 10, 'GRN-1'],
      ['CYCLE_COUNT', 2, 12, null],
    ]);
  });

  it('accepts an instruction, dispatches it after the delay with a tracking number, and takes the shipped stock off its shelves', async () => {
    await control(simulator, 'POST', '/v1/stock', { locationId: leipzig, sku: sku('MUG'), received: 20 });
    await control(simulator, 'POST', '/v1/stock', { locationId: leipzig, sku: sku('TEA'), received: 5 });
    const instructed = instruction(leipzig, [
      { lineId: 'l1', sku: sku('MUG'), quantity: 4 },
      { lineId: 'l2', sku: sku('TEA'), quantity: 5 },
    ]);
    await publish(bus, [instructed]);
    const { orderId, fulfilmentId } = instructed.payload;
    const accepted = await one(() => reader.of('FulfilmentAccepted', forOrder(orderId)), 'acceptance');
    expect(accepted.payload).toMatchObject({ fulfilmentId, locationId: leipzig, expectedDispatchAt: expect.any(Number) });
    const dispatched = await one(() => reader.of('ShipmentDispatched', forOrder(orderId)), 'dispatch');
    expect(dispatched.payload).toMatchObject({ fulfilmentId, locationId: leipzig, carrier: instructed.payload.carrier, lines: instructed.payload.lines, trackingUrl: null });
    // The first dispatch from dc-leipzig in this database.
    expect(dispatched.payload.trackingNumber).toBe('SIMDCLEIPZIG00000001');
    // Its own stock went down by what it shipped; inventory learns of the pick from ShipmentDispatched alone,
    // so no StockAdjusted reports the same units a second time.
    const shelves: { sku: string; on_hand: number }[] = await simulator.service.dataSource.query(
      `SELECT sku, on_hand FROM warehouse_simulator.stock WHERE location_id = $1 AND sku = ANY($2) ORDER BY sku`,
      [leipzig, [sku('MUG'), sku('TEA')]],
    );
    expect(shelves).toEqual([
      { sku: sku('MUG'), on_hand: 16 },
      { sku: sku('TEA'), on_hand: 0 },
    ]);
    await reader.caughtUp();
    expect(stockOf(leipzig, sku('MUG')).map((e) => e.payload.reason)).toEqual(['RECEIVED']);
    expect(stockOf(leipzig, sku('TEA')).map((e) => e.payload.reason)).toEqual(['RECEIVED']);
    expect(reader.of('FulfilmentRejected', forOrder(orderId))).toHaveLength(0);

    // The same instruction again (a new event id, as a re-sending saga would): already handled, nothing new.
    const again: EventOf<'FulfilmentInstructed'> = { ...instructed, payload: { ...instructed.payload, metadata: { ...instructed.payload.metadata, eventId: randomUUID() } } };
    await publish(bus, [again]);
    await eventually(async () => {
      const handled: unknown[] = await simulator.service.dataSource.query(`SELECT 1 FROM warehouse_simulator.messaging_inbox WHERE message_id = $1`, [again.payload.metadata.eventId]);
      expectCount(handled, 1, 'inbox entries for the repeated instruction');
    });
    const [stock] = await simulator.service.dataSource.query(`SELECT on_hand, allocated FROM warehouse_simulator.stock WHERE location_id = $1 AND sku = $2`, [leipzig, sku('MUG')]);
    expect(stock).toEqual({ on_hand: 16, allocated: 0 });
  });

  it('rejects the next instruction when told to, then goes back to normal', async () => {
    await control(simulator, 'POST', '/v1/stock', { locationId: berlin, sku: sku('LAMP'), received: 10 });
    expect(await control(simulator, 'POST', '/v1/faults', { mode: 'reject', reason: 'CAPACITY', locationId: berlin })).toMatchObject({ status: 201 });
    const first = instruction(berlin, [{ lineId: 'l1', sku: sku('LAMP'), quantity: 1 }]);
    const second = instruction(berlin, [{ lineId: 'l1', sku: sku('LAMP'), quantity: 1 }]);
    // One after the other: orders land on different partitions, whose order is not defined.
    await publish(bus, [first]);
    const rejected = await one(() => reader.of('FulfilmentRejected', forOrder(first.payload.orderId)), 'rejection');
    expect(rejected.payload).toMatchObject({ reason: 'CAPACITY', rejectedLines: first.payload.lines, detail: expect.stringMatching(/simulated rejection \(operator fault \d+\)/) });
    await publish(bus, [second]);
    await one(() => reader.of('ShipmentDispatched', forOrder(second.payload.orderId)), 'dispatch of the second');
    // An acceptance of the first would have been published before that (on its own partition): read all there is.
    await reader.caughtUp();
    expect(reader.of('FulfilmentAccepted', forOrder(first.payload.orderId))).toHaveLength(0);
  });

  it('short-picks one SKU when told to: the short lines rejected, the rest shipped', async () => {
    await control(simulator, 'POST', '/v1/stock', { locationId: berlin, sku: sku('CUP'), received: 10 });
    await control(simulator, 'POST', '/v1/stock', { locationId: berlin, sku: sku('SAUCER'), received: 10 });
    expect(await control(simulator, 'POST', '/v1/faults', { mode: 'short-pick', sku: sku('CUP'), shortBy: 2 })).toMatchObject({ status: 201 });
    const instructed = instruction(berlin, [
      { lineId: 'l1', sku: sku('CUP'), quantity: 3 },
      { lineId: 'l2', sku: sku('SAUCER'), quantity: 3 },
    ]);
    await publish(bus, [instructed]);
    const { orderId } = instructed.payload;
    await one(() => reader.of('FulfilmentAccepted', forOrder(orderId)), 'acceptance');
    const short = await one(() => reader.of('FulfilmentRejected', forOrder(orderId)), 'short pick');
    expect(short.payload).toMatchObject({ reason: 'SHORT_PICK', rejectedLines: [{ lineId: 'l1', sku: sku('CUP'), quantity: 2 }] });
    const dispatched = await one(() => reader.of('ShipmentDispatched', forOrder(orderId)), 'dispatch');
    expect(dispatched.payload.lines).toEqual([
      { lineId: 'l1', sku: sku('CUP'), quantity: 1 },
      { lineId: 'l2', sku: sku('SAUCER'), quantity: 3 },
    ]);
  });

  it('rejects OUT_OF_STOCK what it has no stock for at all', async () => {
    const instructed = instruction(berlin, [{ lineId: 'l1', sku: sku('UNSTOCKED'), quantity: 1 }]);
    await publish(bus, [instructed]);
    const rejected = await one(() => reader.of('FulfilmentRejected', forOrder(instructed.payload.orderId)), 'rejection');
    expect(rejected.payload).toMatchObject({ reason: 'OUT_OF_STOCK', rejectedLines: instructed.payload.lines });
  });

  it('confirms a cancellation that arrives before its instruction, and then never ships that instruction', async () => {
    await control(simulator, 'POST', '/v1/stock', { locationId: berlin, sku: sku('EARLY'), received: 5 });
    const instructed = instruction(berlin, [{ lineId: 'l1', sku: sku('EARLY'), quantity: 1 }]);
    await publish(bus, [cancellation(instructed)]);
    await one(() => reader.of('FulfilmentCancelled', forOrder(instructed.payload.orderId)), 'cancellation');
    await publish(bus, [instructed]);
    const messageId = instructed.payload.metadata.eventId;
    await eventually(async () => {
      const handled: unknown[] = await simulator.service.dataSource.query(`SELECT 1 FROM warehouse_simulator.messaging_inbox WHERE message_id = $1`, [messageId]);
      expectCount(handled, 1, 'inbox entries for the instruction');
    });
    const rows = await simulator.service.dataSource.query(
      `SELECT status, instruction IS NULL AS never_accepted FROM warehouse_simulator.instructions WHERE location_id = $1 AND fulfilment_id = $2`,
      [berlin, instructed.payload.fulfilmentId],
    );
    expect(rows).toEqual([{ status: 'CANCELLED', never_accepted: true }]);
  });

  it('guards the control endpoints with the operator key and names bad fields', async () => {
    expect((await control(simulator, 'POST', '/v1/faults', { mode: 'reject' }, null)).status).toBe(401);
    expect((await control(simulator, 'POST', '/v1/faults', { mode: 'reject' }, 'not-the-operator-key')).status).toBe(401);
    const bad = await control(simulator, 'POST', '/v1/stock', { locationId: 'dc-nowhere', sku: '', received: -1 });
    expect(bad.status).toBe(400);
    expect(bad.body['message']).toEqual([
      'sku must be a non-empty string of up to 200 characters',
      'received must be a whole number of at least 1',
      'send exactly one of received (units in) or onHand (a count)',
      'locationId dc-nowhere is not simulated here (WAREHOUSE_LOCATIONS)',
    ]);
    expect(await control(simulator, 'DELETE', '/v1/faults')).toEqual({ status: 200, body: { cleared: 0 } });
  });
});

describe('a simulator with a long dispatch delay', () => {
  let simulator: Simulator;
  const sku = 'SKU-SLOW';

  let folder: string;
  // Stock from a file, and no OPERATOR_KEY: the control endpoints are off. The delay must outlast, on a loaded
  // machine, an acceptance seen through the relay and Kafka plus a cancellation or a restart after it.
  const slowEnv = () => ({ WAREHOUSE_LOCATIONS: slow, DISPATCH_DELAY_MS: '10000', STOCK_FILE: join(folder, 'stock.yaml'), OPERATOR_KEY: '' });

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'warehouse-simulator-'));
    writeFileSync(join(folder, 'stock.yaml'), `${slow}:\n  ${sku}: 10\n`);
    simulator = await startSimulator('slow', slowEnv());
  });

  afterAll(async () => {
    await simulator?.service.close();
    await simulator?.database.drop();
    rmSync(folder, { recursive: true, force: true });
  });

  it('puts the STOCK_FILE stock on hand, and keeps its control endpoints off without OPERATOR_KEY', async () => {
    const [seeded] = await eventually(() => expectCount(stockOf(slow, sku), 1, 'seeded stock'));
    expect(seeded?.payload).toMatchObject({ reason: 'RECEIVED', quantityDelta: 10, onHandAfter: 10, reference: 'STOCK_FILE' });
    const refused = await control(simulator, 'POST', '/v1/stock', { locationId: slow, sku, received: 1 });
    expect(refused).toMatchObject({ status: 503, body: { message: 'control endpoints are off: start the simulator with OPERATOR_KEY set' } });
  });

  const status = async (fulfilmentId: string) => {
    const rows: { status: string }[] = await simulator.service.dataSource.query(
      `SELECT status FROM warehouse_simulator.instructions WHERE location_id = $1 AND fulfilment_id = $2`,
      [slow, fulfilmentId],
    );
    return rows[0]?.status;
  };

  let cancelled: EventOf<'FulfilmentInstructed'>;

  it('cancels an instruction that has not left yet, and does not dispatch it', async () => {
    cancelled = instruction(slow, [{ lineId: 'l1', sku, quantity: 3 }]);
    await publish(bus, [cancelled]);
    await one(() => reader.of('FulfilmentAccepted', forOrder(cancelled.payload.orderId)), 'acceptance');
    await publish(bus, [cancellation(cancelled)]);
    const confirmed = await one(() => reader.of('FulfilmentCancelled', forOrder(cancelled.payload.orderId)), 'cancellation');
    expect(confirmed.payload).toMatchObject({ fulfilmentId: cancelled.payload.fulfilmentId, locationId: slow });
    expect(await status(cancelled.payload.fulfilmentId)).toBe('CANCELLED');
    const [stock] = await simulator.service.dataSource.query(`SELECT on_hand, allocated FROM warehouse_simulator.stock WHERE location_id = $1 AND sku = $2`, [slow, sku]);
    expect(stock).toEqual({ on_hand: 10, allocated: 0 });
  });

  it('dispatches exactly once an instruction accepted before a restart', async () => {
    const instructed = instruction(slow, [{ lineId: 'l1', sku, quantity: 2 }]);
    await publish(bus, [instructed]);
    const { orderId, fulfilmentId } = instructed.payload;
    await one(() => reader.of('FulfilmentAccepted', forOrder(orderId)), 'acceptance');
    expect(await status(fulfilmentId)).toBe('ACCEPTED');

    await simulator.service.close();
    simulator = await startSimulator('slow', slowEnv(), simulator.database);

    const dispatched = await one(() => reader.of('ShipmentDispatched', forOrder(orderId)), 'dispatch after the restart');
    expect(dispatched.payload).toMatchObject({ fulfilmentId, lines: instructed.payload.lines });
    expect(await status(fulfilmentId)).toBe('DISPATCHED');
    expect(reader.of('FulfilmentAccepted', forOrder(orderId))).toHaveLength(1);
    const [stock] = await simulator.service.dataSource.query(`SELECT on_hand, allocated FROM warehouse_simulator.stock WHERE location_id = $1 AND sku = $2`, [slow, sku]);
    expect(stock).toEqual({ on_hand: 8, allocated: 0 });
    // Dispatches go in due order: this later instruction left, so the cancelled earlier one never will (its
    // dispatch, on another partition, would have been published first: read all there is).
    await reader.caughtUp();
    expect(reader.of('ShipmentDispatched', forOrder(cancelled.payload.orderId))).toHaveLength(0);
    // The restart put nothing on hand again from STOCK_FILE: one RECEIVED (a pick is reported by the dispatch itself).
    expect(stockOf(slow, sku).map((e) => e.payload.reason)).toEqual(['RECEIVED']);
  });
});
