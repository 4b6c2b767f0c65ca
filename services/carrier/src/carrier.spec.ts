import { randomUUID } from 'node:crypto';
import { EventOf } from '@switchyard/contracts';
import { createTestDatabase, type TestDatabase } from '@switchyard/infra';
import { Client } from 'pg';
import { amountOf } from '@switchyard/rating';
import { startServiceProcess } from '@switchyard/service-kit';
import { eventually, expectCount, publish, startServiceUnderTest, testTransport, TopicReader, uniqueNamespace, type ServiceUnderTest } from '@switchyard/service-kit/testing';
import { carrierService } from './carrier.definition';

// The carrier service with the real table-rate adapter (services/carrier-tablerate/config/rate-table.yaml) on
// real Kafka and PostgreSQL. Every topic and consumer group of the run is under its own TOPIC_NAMESPACE, shared
// by the carrier and the adapter processes.
const namespace = uniqueNamespace('spec-carrier');
const bus = testTransport(namespace);
const tablerate = 'tablerate';
const down = 'down';

const brokers = () => process.env['KAFKA_BROKERS'];

function selectCarrier(orderId: string, overrides: Partial<EventOf<'SelectCarrier'>['payload']> = {}): EventOf<'SelectCarrier'> {
  return {
    type: 'SelectCarrier',
    payload: {
      metadata: { eventId: randomUUID(), occurredAt: Date.now(), correlationId: orderId, causationId: null },
      orderId,
      destination: { recipientName: 'Kim Weber', line1: 'Torstraße 12', line2: null, city: 'Berlin', region: null, postalCode: '10119', countryCode: 'DE', coordinates: null },
      serviceLevel: 'STANDARD',
      promisedDate: '2099-12-31',
      shipments: [{ shipmentId: `${orderId}-s1`, locationId: 'dc-leipzig', weightGrams: 800, declaredValue: { amount: '39.99', currency: 'EUR' } }],
      ...overrides,
    },
  };
}

const newOrder = () => `ord-${randomUUID()}`;

type Started = ServiceUnderTest;

// The scenarios run one after another in the run's namespace: each carrier resumes the group where the one before stopped.
async function startCarrier(env: Record<string, string>): Promise<Started> {
  const fullEnv = { TOPIC_NAMESPACE: namespace, SELECTION_SCAN_INTERVAL_MS: '100', ...env };
  return startServiceUnderTest(carrierService(fullEnv), fullEnv);
}

async function stop(started: Started | undefined): Promise<void> {
  await started?.stop();
}

let adapterDatabase: TestDatabase;
const adapters: { stop(): Promise<unknown> }[] = [];
let reader: TopicReader;

// The adapters run as their own processes (services/carrier-tablerate/src/main.ts), as in a deployment.
beforeAll(async () => {
  adapterDatabase = await createTestDatabase('carrier adapters');
  const adapterEnv = (carrierId: string, simulateDown: boolean) => ({
    DATABASE_URL: adapterDatabase.url,
    KAFKA_BROKERS: brokers(),
    TOPIC_NAMESPACE: namespace,
    CARRIER_ID: carrierId,
    SIMULATE_DOWN: String(simulateDown),
    LOG_LEVEL: 'warn',
  });
  adapters.push(await startServiceProcess('carrier-tablerate', { env: adapterEnv(tablerate, false), readyName: `carrier-${tablerate}` }));
  adapters.push(await startServiceProcess('carrier-tablerate', { env: adapterEnv(down, true), readyName: `carrier-${down}` }));
  reader = await TopicReader.start(bus, ['carrier.events', 'carrier.commands.dlq', 'carrier.adapter.replies', `carrier.adapter.requests.${tablerate}`, `carrier.adapter.requests.${down}`]);
});

afterAll(async () => {
  await reader?.stop();
  await Promise.all(adapters.map((adapter) => adapter.stop()));
  await adapterDatabase?.drop();
});

const outcomes = (orderId: string) => [
  ...reader.of('CarrierSelected', (p) => p.orderId === orderId),
  ...reader.of('CarrierSelectionFailed', (p) => p.orderId === orderId),
];
const firstOutcome = (orderId: string) => eventually(() => expectCount(outcomes(orderId), 1, `outcome for ${orderId}`)[0]);

describe('with one adapter that answers', () => {
  let carrier: Started;
  // A deadline far beyond the test's patience: an outcome proves the selection closed when the adapter answered.
  beforeAll(async () => {
    carrier = await startCarrier({ CARRIERS: tablerate, QUOTE_TIMEOUT_MS: '300000' });
  });
  afterAll(() => stop(carrier));

  it('selects the cheapest service that meets the promised date, as soon as every adapter answered', async () => {
    const orderId = newOrder();
    await publish(bus, [selectCarrier(orderId)]);
    const outcome = await firstOutcome(orderId);
    if (outcome.type !== 'CarrierSelected') throw new Error(`expected CarrierSelected, got ${JSON.stringify(outcome.payload)}`);
    const [selection] = outcome.payload.selections;
    expect(outcome.payload.selections).toHaveLength(1);
    // ECONOMY: 3.49 + 8.5 % fuel = 3.79, the cheapest of the four DE→DE services for 800 g.
    expect(selection).toMatchObject({ shipmentId: `${orderId}-s1`, carrier: { carrierId: tablerate, serviceCode: 'ECONOMY' } });
    expect(amountOf(selection?.quotedCost.amount ?? '')).toBe(amountOf('3.79'));
    // The request carried the origin country from LOCATION_COUNTRIES. It is on another topic than the outcome,
    // which the reader reads on its own: wait for it.
    const [request] = await reader.waitFor('CarrierQuoteRequested', (p) => p.orderId === orderId);
    expect(request?.payload.parcels).toEqual([expect.objectContaining({ originLocationId: 'dc-leipzig', originCountryCode: 'DE', weightGrams: 800 })]);
  });

  it('takes a dearer service when only it meets the date', async () => {
    // The promised date is the STANDARD service's delivery date from an earlier quote: ECONOMY arrives later.
    const probe = newOrder();
    await publish(bus, [selectCarrier(probe)]);
    await firstOutcome(probe);
    const [reply] = await reader.waitFor('CarrierQuoted', (p) => p.orderId === probe);
    const standard = reply?.payload.quotes.find((q) => q.carrier.serviceCode === 'STANDARD');
    if (!standard) throw new Error('the table offers STANDARD for DE→DE');

    const orderId = newOrder();
    await publish(bus, [selectCarrier(orderId, { promisedDate: standard.estimatedDelivery })]);
    const outcome = await firstOutcome(orderId);
    expect(outcome.type === 'CarrierSelected' && outcome.payload.selections.map((s) => [s.carrier.serviceCode, amountOf(s.quotedCost.amount)])).toEqual([['STANDARD', amountOf('4.55')]]);
  });

  it('takes the fastest, then the cheapest, when no service meets the promised date', async () => {
    const orderId = newOrder();
    await publish(bus, [selectCarrier(orderId, { promisedDate: '2000-01-03' })]);
    const outcome = await firstOutcome(orderId);
    // EXPRESS (10.74) and NEXT_DAY_1200 (16.17) both take one day; EXPRESS is cheaper.
    expect(outcome.type === 'CarrierSelected' && outcome.payload.selections.map((s) => [s.carrier.serviceCode, amountOf(s.quotedCost.amount)])).toEqual([['EXPRESS', amountOf('10.74')]]);
  });

  it('fails with DESTINATION_NOT_SERVED for a country the table does not reach', async () => {
    const orderId = newOrder();
    const toUs = selectCarrier(orderId).payload.destination;
    await publish(bus, [selectCarrier(orderId, { destination: { ...toUs, countryCode: 'US' } })]);
    const outcome = await firstOutcome(orderId);
    expect(outcome).toMatchObject({ type: 'CarrierSelectionFailed', payload: { reason: 'DESTINATION_NOT_SERVED', shipmentIds: [`${orderId}-s1`] } });
    expect(outcome.type === 'CarrierSelectionFailed' && outcome.payload.detail).toContain(`${tablerate}: unavailable (DESTINATION_NOT_SERVED`);
  });

  it('does not start a second selection for a re-sent SelectCarrier, and answers it again from the stored outcome', async () => {
    const orderId = newOrder();
    await publish(bus, [selectCarrier(orderId)]);
    const first = await firstOutcome(orderId);
    await publish(bus, [selectCarrier(orderId)]);
    const both = await eventually(() => expectCount(outcomes(orderId), 2, `outcomes for ${orderId}`));
    expect(both[1]?.payload).toEqual({ ...first.payload, metadata: expect.objectContaining({ correlationId: orderId }) });
    expect(both[1]?.payload.metadata.eventId).not.toBe(first.payload.metadata.eventId);
    const rows = await carrier.service.dataSource.query(
      `SELECT count(DISTINCT s.selection_id)::int AS selections, count(r.request_id)::int AS requests
       FROM carrier.selections s JOIN carrier.quote_requests r USING (selection_id) WHERE s.order_id = $1`,
      [orderId],
    );
    expect(rows).toEqual([{ selections: 1, requests: 1 }]);
    // A second request would have been published before the second outcome: read all that was there by now.
    await reader.caughtUp();
    expect(reader.of('CarrierQuoteRequested', (p) => p.orderId === orderId)).toHaveLength(1);
  });
});

describe('with an adapter that never answers beside one that does', () => {
  let carrier: Started;
  // The deadline must leave the answering adapter time for its round trip (two relays, two consumers) on a loaded
  // machine; the test waits it out, as the silent adapter never answers.
  beforeAll(async () => {
    carrier = await startCarrier({ CARRIERS: `${tablerate},${down}`, QUOTE_TIMEOUT_MS: '8000' });
  });
  afterAll(() => stop(carrier));

  it('closes at the deadline with the quotes that arrived, skipping the silent adapter', async () => {
    const orderId = newOrder();
    // Sent twice (same key, so in order): the second finds the selection open and starts nothing.
    await publish(bus, [selectCarrier(orderId), selectCarrier(orderId)]);
    const outcome = await firstOutcome(orderId);
    expect(outcome).toMatchObject({ type: 'CarrierSelected', payload: { selections: [{ carrier: { carrierId: tablerate, serviceCode: 'ECONOMY' } }] } });
    // Both adapters were asked (published before the outcome, on topics of their own); the silent one's request is
    // still unanswered, and the selection closed at its deadline.
    await reader.caughtUp();
    expect(reader.of('CarrierQuoteRequested', (p) => p.orderId === orderId).map((e) => e.payload.carrierId).sort()).toEqual([down, tablerate].sort());
    const requests = await carrier.service.dataSource.query(
      `SELECT r.carrier_id, r.answered_at IS NOT NULL AS answered, s.closed_at >= s.deadline_at AS at_deadline
       FROM carrier.quote_requests r JOIN carrier.selections s USING (selection_id) WHERE s.order_id = $1 ORDER BY r.carrier_id`,
      [orderId],
    );
    expect(requests).toEqual(
      [
        { carrier_id: down, answered: false, at_deadline: true },
        { carrier_id: tablerate, answered: true, at_deadline: true },
      ].sort((a, b) => a.carrier_id.localeCompare(b.carrier_id)),
    );
  });
});

describe('when no adapter answers', () => {
  let carrier: Started;
  const carrierRows = (orderId: string): Promise<unknown[]> => carrier.service.dataSource.query(`SELECT 1 FROM carrier.selections WHERE order_id = $1`, [orderId]);
  beforeAll(async () => {
    carrier = await startCarrier({ CARRIERS: down, QUOTE_TIMEOUT_MS: '2000' });
  });
  afterAll(() => stop(carrier));

  it('fails the selection with CARRIERS_UNAVAILABLE at the deadline, naming the silent carrier', async () => {
    const orderId = newOrder();
    await publish(bus, [selectCarrier(orderId)]);
    const outcome = await firstOutcome(orderId);
    expect(outcome).toMatchObject({
      type: 'CarrierSelectionFailed',
      payload: { orderId, reason: 'CARRIERS_UNAVAILABLE', shipmentIds: [`${orderId}-s1`], detail: `shipment ${orderId}-s1: ${down}: no answer by the deadline` },
    });
  });

  it('dead-letters a SelectCarrier without shipments, which can never succeed', async () => {
    const orderId = newOrder();
    await publish(bus, [selectCarrier(orderId, { shipments: [] })]);
    await eventually(() => expectCount(reader.of('SelectCarrier', (p) => p.orderId === orderId), 1, 'dead letters'));
    expect(await carrierRows(orderId)).toEqual([]);
    // No outcome for it either. Proven by one that comes after: a selection for the same order (same key, so handled
    // after the dead-lettered one) that fails at once; an outcome of the first would have been published before it.
    const later = { shipmentId: `${orderId}-s9`, locationId: 'dc-atlantis', weightGrams: 100, declaredValue: { amount: '1.00', currency: 'EUR' } };
    await publish(bus, [selectCarrier(orderId, { shipments: [later] })]);
    const outcome = await firstOutcome(orderId);
    await reader.caughtUp();
    expect(outcomes(orderId)).toEqual([outcome]);
    expect(outcome).toMatchObject({ type: 'CarrierSelectionFailed', payload: { shipmentIds: [later.shipmentId] } });
  });

  it('fails at once, without asking, for a shipment from a location with no configured country', async () => {
    const orderId = newOrder();
    const shipment = { shipmentId: `${orderId}-s9`, locationId: 'dc-atlantis', weightGrams: 100, declaredValue: { amount: '1.00', currency: 'EUR' } };
    await publish(bus, [selectCarrier(orderId, { shipments: [shipment] })]);
    const outcome = await firstOutcome(orderId);
    expect(outcome).toMatchObject({ type: 'CarrierSelectionFailed', payload: { reason: 'OTHER', shipmentIds: [`${orderId}-s9`] } });
    expect(outcome.type === 'CarrierSelectionFailed' && outcome.payload.detail).toMatch(/dc-atlantis, whose country is not in LOCATION_COUNTRIES/);
    // A request would have been published before the outcome.
    await reader.caughtUp();
    expect(reader.of('CarrierQuoteRequested', (p) => p.orderId === orderId)).toHaveLength(0);
  });
});

describe('after a stop that outlasted a deadline', () => {
  const late = 'late';
  let database: TestDatabase;
  let lateReader: TopicReader;
  let adapter: { stop(): Promise<unknown> } | undefined;
  const lateOutcomes = (orderId: string) => [
    ...lateReader.of('CarrierSelected', (p) => p.orderId === orderId),
    ...lateReader.of('CarrierSelectionFailed', (p) => p.orderId === orderId),
  ];
  beforeAll(async () => {
    database = await createTestDatabase('carrier restart');
    lateReader = await TopicReader.start(bus, ['carrier.events', 'carrier.adapter.replies', `carrier.adapter.requests.${late}`]);
  });
  afterAll(async () => {
    await adapter?.stop();
    await lateReader?.stop();
    await database?.drop();
  });

  it('gives a selection whose deadline passed while it was down one more quote timeout, instead of failing it at start', async () => {
    const startCarrierOn = (timeoutMs: number) => {
      const env = { TOPIC_NAMESPACE: namespace, SELECTION_SCAN_INTERVAL_MS: '100', CARRIERS: late, QUOTE_TIMEOUT_MS: String(timeoutMs) };
      return startServiceUnderTest(carrierService(env), env, { database });
    };
    // Its deadline must not pass before it is stopped below (the request seen through the relay and Kafka first).
    const first = await startCarrierOn(10_000);
    const orderId = newOrder();
    await publish(bus, [selectCarrier(orderId)]);
    await eventually(() => expectCount(lateReader.of('CarrierQuoteRequested', (p) => p.orderId === orderId), 1, 'quote request'));
    await first.service.close();
    // The deadline passes while the carrier service is down (read from the selection's row, then waited out).
    const client = new Client({ connectionString: database.url });
    await client.connect();
    const { rows } = await client.query<{ ms: string }>(`SELECT (extract(epoch FROM deadline_at) * 1000)::bigint::text AS ms FROM carrier.selections WHERE order_id = $1`, [orderId]);
    await client.end();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(rows[0]?.ms) - Date.now()) + 500));
    // Back with a longer timeout; only then does the carrier's adapter come up and answer.
    // The grace is one quote timeout: room for the adapter's process to start on a loaded machine.
    const second = await startCarrierOn(60_000);
    try {
      adapter = await startServiceProcess('carrier-tablerate', {
        env: { DATABASE_URL: adapterDatabase.url, KAFKA_BROKERS: brokers(), TOPIC_NAMESPACE: namespace, CARRIER_ID: late },
        readyName: `carrier-${late}`,
      });
      const outcome = await eventually(() => expectCount(lateOutcomes(orderId), 1, 'outcome')[0]);
      expect(outcome).toMatchObject({ type: 'CarrierSelected', payload: { selections: [{ carrier: { carrierId: late } }] } });
    } finally {
      await second.service.close();
    }
  });

});
