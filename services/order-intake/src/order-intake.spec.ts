import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { EventCodec, EventPayload } from '@switchyard/contracts';
import { workspaceRoot, type TestDatabase } from '@switchyard/infra';
import { DeadLetterHeaders, Headers, type Transport } from '@switchyard/messaging';
import { RunningService } from '@switchyard/service-kit';
import { eventually, publish, publishRaw, startServiceUnderTest, TopicReader, type ServiceUnderTest } from '@switchyard/service-kit/testing';
import { Catalogue } from './catalogue/catalogue';
import { ChannelRegistry } from './channels/channel-registry';
import { orderIntakeService } from './order-intake.definition';
import { SCHEMA } from './schema';
import { lifeEvent } from './testing/events';
import { line, orderBody } from './testing/orders';

// The service against real Kafka and PostgreSQL, through its HTTP API and its topics, as channels use it: on a
// fresh database and in a namespace of its own, so every order and event these specs see is theirs.

const web = `web`;
const shop = `shop`;
const operatorKey = `op-${randomBytes(24).toString('hex')}`;
const MAX_LINES = 20;

let database: TestDatabase;
let service: RunningService;
let reader: TopicReader;
let bus: Transport;
let sut: ServiceUnderTest;
const logLines: string[] = [];
const keys: Record<string, string> = {};
let orderCount = 0;

/** A channel order id no other spec here uses. */
const newChannelOrderId = () => `WEB-${++orderCount}`;

function call(path: string, init: { method?: string; key?: string | null; body?: unknown; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...init.headers };
  if (init.key !== null) headers['authorization'] = `Bearer ${init.key ?? keys[web]}`;
  return fetch(`${service.url}${path}`, { method: init.method ?? (init.body === undefined ? 'GET' : 'POST'), headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
}

async function submit(body: unknown, key?: string) {
  const response = await call('/v1/orders', { body, key });
  return { status: response.status, location: response.headers.get('location'), body: (await response.json()) as Record<string, unknown> };
}

async function orderStatus(orderId: string, key?: string) {
  const response = await call(`/v1/orders/${orderId}`, { key });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** An OrderReceived as a channel publishing to Kafka sends it. */
function orderReceived(channel: string, overrides: Record<string, unknown> = {}): EventPayload<'OrderReceived'> {
  return {
    ...(orderBody({ channelOrderId: newChannelOrderId(), ...overrides }) as Omit<EventPayload<'OrderReceived'>, 'metadata' | 'channel'>),
    metadata: { eventId: randomUUID(), occurredAt: Date.now(), correlationId: randomUUID(), causationId: null },
    channel,
  };
}

/** Everything intake wrote to its outbox is on the broker, and the reader has read all of it. */
async function allPublishedAndRead(): Promise<void> {
  await eventually(async () => {
    const [{ count }] = await service.dataSource.query(`SELECT count(*)::int AS count FROM ${SCHEMA}.messaging_outbox`);
    if (count > 0) throw new Error(`${count} message(s) still in the outbox`);
  });
  await reader.caughtUp();
}

beforeAll(async () => {
  sut = await startServiceUnderTest(
    orderIntakeService,
    { HTTP_BODY_LIMIT: '16kb', MAX_ORDER_LINES: String(MAX_LINES), OPERATOR_API_KEY: operatorKey, SERVICEABLE_COUNTRIES: 'DE,AT,NL,FR' },
    { writeLog: (entry) => logLines.push(entry) },
  );
  ({ service, database, transport: bus } = sut);
  reader = await TopicReader.start(bus, ['orders.lifecycle', 'orders.commands', 'orders.received.dlq']);
  // Seeded through the same code as the operator CLI and admin API.
  const registry = new ChannelRegistry();
  await service.dataSource.transaction(async (em) => {
    keys[web] = (await registry.create(em, { channelId: web })).apiKey;
    keys[shop] = (await registry.create(em, { channelId: shop, defaultMarket: 'EU-B2B', defaultBackOrderPolicy: 'SPLIT' })).apiKey;
    await new Catalogue().add(em, ['SKU-KETTLE', 'SKU-MUG', 'A', 'B'], 'spec');
  });
});

afterAll(async () => {
  await reader?.stop();
  await sut?.stop();
});

describe('POST /v1/orders', () => {
  it('accepts a valid order: 202 with the order id and its Location, and OrderAccepted on orders.lifecycle', async () => {
    const channelOrderId = newChannelOrderId();
    const response = await submit(orderBody({ channelOrderId }));
    expect(response.status).toBe(202);
    expect(response.body).toEqual({ orderId: expect.stringMatching(/^ord-/), status: 'ACCEPTED', duplicate: false });
    const orderId = response.body['orderId'] as string;
    expect(response.location).toBe(`/v1/orders/${orderId}`);

    const accepted = (await reader.waitFor('OrderAccepted', (p) => p.orderId === orderId))[0];
    expect(accepted.payload).toMatchObject({
      channel: web,
      channelOrderId,
      market: 'DE', // no market in the order or the channel: the destination's country
      backOrderPolicy: 'HOLD', // the channel's default
      metadata: { correlationId: orderId, causationId: null },
      lines: [expect.objectContaining({ lineId: 'l1', sku: 'SKU-KETTLE', quantity: 1 }), expect.objectContaining({ lineId: 'l2', quantity: 4 })],
    });
    const onTopic = reader.received.find((r) => r.event === accepted);
    expect(onTopic).toMatchObject({ topic: 'orders.lifecycle', key: orderId });
  });

  it("uses the order's own market and back-order policy, else the channel's", async () => {
    const own = await submit(orderBody({ channelOrderId: newChannelOrderId(), market: 'AT', backOrderPolicy: 'PART_SHIP' }));
    const channelDefaults = await submit(orderBody({ channelOrderId: newChannelOrderId() }), keys[shop]);
    const ownEvent = (await reader.waitFor('OrderAccepted', (p) => p.orderId === own.body['orderId']))[0];
    const channelEvent = (await reader.waitFor('OrderAccepted', (p) => p.orderId === channelDefaults.body['orderId']))[0];
    expect([ownEvent.payload.market, ownEvent.payload.backOrderPolicy]).toEqual(['AT', 'PART_SHIP']);
    expect([channelEvent.payload.market, channelEvent.payload.backOrderPolicy, channelEvent.payload.channel]).toEqual(['EU-B2B', 'SPLIT', shop]);
  });

  it('answers an invalid order with 400 and every problem by path, recording nothing', async () => {
    const channelOrderId = newChannelOrderId();
    const body = orderBody({
      channelOrderId,
      destination: { recipientName: 'Kim Weber', line1: 'Torstraße 12', city: 'Berlin' },
      lines: [line('l1', 'A'), line('l2', 'B'), line('l3', 'A', 0)],
    });
    const response = await submit(body);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      errors: [
        { path: 'destination.countryCode', problem: 'is required' },
        { path: 'lines[2].quantity', problem: 'must be a whole number ≥ 1, got 0' },
      ],
    });
    const rows = await service.dataSource.query(`SELECT 1 FROM ${SCHEMA}.orders WHERE channel_order_id = $1`, [channelOrderId]);
    expect(rows).toEqual([]);
  });

  it('refuses more lines than MAX_ORDER_LINES, and bodies over HTTP_BODY_LIMIT, with 413', async () => {
    const lines = Array.from({ length: MAX_LINES + 1 }, (_, i) => line(`l${i}`, 'A'));
    const tooManyLines = await submit(orderBody({ channelOrderId: newChannelOrderId(), lines }));
    expect(tooManyLines.status).toBe(413);
    expect(tooManyLines.body).toEqual({ errors: [{ path: 'lines', problem: `has ${MAX_LINES + 1} lines; one order may have at most ${MAX_LINES}: split it into several orders` }] });

    const tooLarge = await call('/v1/orders', { body: orderBody({ channelOrderId: newChannelOrderId(), padding: 'x'.repeat(20_000) }) });
    expect(tooLarge.status).toBe(413);
  });

  it('rejects an unknown SKU: 422 naming the SKU and its line, OrderRejected with the order id assigned', async () => {
    const channelOrderId = newChannelOrderId();
    const response = await submit(orderBody({ channelOrderId, lines: [line('l1', 'A'), line('l2', 'SKU-NOBODY-STOCKS')] }));
    expect(response.status).toBe(422);
    const orderId = response.body['orderId'] as string;
    expect(response.body).toEqual({
      orderId,
      status: 'REJECTED',
      duplicate: false,
      reason: 'UNKNOWN_SKU',
      errors: [{ path: 'lines[1].sku', problem: 'SKU "SKU-NOBODY-STOCKS" (line l2) is not in the catalogue: check the SKU, or ask an operator to import it' }],
    });
    const rejected = (await reader.waitFor('OrderRejected', (p) => p.orderId === orderId))[0];
    expect(rejected.payload).toMatchObject({ channel: web, channelOrderId, reason: 'UNKNOWN_SKU', customer: { customerId: 'cus-118' } });
    expect(rejected.payload.detail).toContain('SKU-NOBODY-STOCKS');
    expect((await orderStatus(orderId)).body).toMatchObject({ status: 'REJECTED', rejection: { reason: 'UNKNOWN_SKU' } });
  });

  it('rejects a destination outside SERVICEABLE_COUNTRIES as UNSERVICEABLE_DESTINATION', async () => {
    const body = orderBody({ channelOrderId: newChannelOrderId() });
    const response = await submit({ ...body, destination: { ...(body['destination'] as object), countryCode: 'US' } });
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ reason: 'UNSERVICEABLE_DESTINATION', errors: [{ path: 'destination.countryCode', problem: 'Switchyard does not ship to US; it ships to DE, AT, NL, FR' }] });
  });

  it('treats the same order sent three times as one order: the same id, one OrderAccepted', async () => {
    const body = orderBody({ channelOrderId: newChannelOrderId() });
    const responses = [await submit(body), await submit(body), await submit({ ...body })];
    expect(responses.map((r) => r.status)).toEqual([202, 200, 200]);
    const orderId = responses[0].body['orderId'];
    expect(responses.map((r) => r.body)).toEqual([
      { orderId, status: 'ACCEPTED', duplicate: false },
      { orderId, status: 'ACCEPTED', duplicate: true },
      { orderId, status: 'ACCEPTED', duplicate: true },
    ]);
    await allPublishedAndRead();
    expect(reader.of('OrderAccepted', (p) => p.channelOrderId === body['channelOrderId'])).toHaveLength(1);
  });

  it('resolves concurrent submissions of one order to a single order', async () => {
    const body = orderBody({ channelOrderId: newChannelOrderId() });
    const responses = await Promise.all(Array.from({ length: 8 }, () => submit(body)));
    const ids = new Set(responses.map((r) => r.body['orderId']));
    expect(ids.size).toBe(1);
    expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 202]);
    await allPublishedAndRead();
    expect(reader.of('OrderAccepted', (p) => p.channelOrderId === body['channelOrderId'])).toHaveLength(1);
  });

  it('refuses other content under the channel order id of a live order (409, DUPLICATE_ORDER), and lets a corrected order replace a rejected one', async () => {
    const channelOrderId = newChannelOrderId();
    const first = await submit(orderBody({ channelOrderId }));
    const changed = await submit(orderBody({ channelOrderId, serviceLevel: 'STANDARD' }));
    expect(changed.status).toBe(409);
    expect(changed.body).toMatchObject({ status: 'REJECTED', reason: 'DUPLICATE_ORDER', conflictsWithOrderId: first.body['orderId'] });
    expect(changed.body['orderId']).not.toBe(first.body['orderId']);

    const rejectedId = newChannelOrderId();
    const wrong = await submit(orderBody({ channelOrderId: rejectedId, lines: [line('l1', 'SKU-TYPO')] }));
    const corrected = await submit(orderBody({ channelOrderId: rejectedId, lines: [line('l1', 'A')] }));
    expect([wrong.status, corrected.status]).toEqual([422, 202]);
    expect(corrected.body['orderId']).not.toBe(wrong.body['orderId']);
    const found = await call(`/v1/orders?channelOrderId=${encodeURIComponent(rejectedId)}`);
    expect(await found.json()).toMatchObject({ orderId: corrected.body['orderId'], status: 'ACCEPTED' });
  });
});

describe('the orders.received topic', () => {
  it('accepts an OrderReceived through the same intake, with the OrderReceived as cause', async () => {
    const received = orderReceived(web, { market: 'NL' });
    await publish(bus, [{ type: 'OrderReceived', payload: received }]);
    const accepted = (await reader.waitFor('OrderAccepted', (p) => p.channelOrderId === received.channelOrderId))[0];
    expect(accepted.payload).toMatchObject({ channel: web, market: 'NL', metadata: { causationId: received.metadata.eventId } });
    const found = await call(`/v1/orders?channelOrderId=${encodeURIComponent(received.channelOrderId)}`);
    expect(await found.json()).toMatchObject({ orderId: accepted.payload.orderId, status: 'ACCEPTED', receivedVia: 'kafka' });
  });

  it('makes one order of the same OrderReceived sent three times', async () => {
    const received = orderReceived(web);
    for (let i = 0; i < 3; i++) {
      // Each send is a new message (a channel retrying), not a redelivery the inbox would catch.
      await publish(bus, [{ type: 'OrderReceived', payload: { ...received, metadata: { ...received.metadata, eventId: randomUUID() } } }]);
    }
    await reader.waitFor('OrderAccepted', (p) => p.channelOrderId === received.channelOrderId);
    await eventually(async () => {
      const [{ processed }] = await service.dataSource.query(
        `SELECT count(*)::int AS processed FROM ${SCHEMA}.messaging_inbox WHERE event_type = 'OrderReceived' AND topic = 'orders.received'`,
      );
      const ours = await service.dataSource.query(`SELECT order_id FROM ${SCHEMA}.orders WHERE channel_order_id = $1`, [received.channelOrderId]);
      if (processed < 3 || ours.length !== 1) throw new Error(`inbox has ${processed} OrderReceived, orders ${ours.length}`);
    });
    await allPublishedAndRead();
    expect(reader.of('OrderAccepted', (p) => p.channelOrderId === received.channelOrderId)).toHaveLength(1);
    expect(reader.of('OrderRejected', (p) => p.channelOrderId === received.channelOrderId)).toHaveLength(0);
  });

  it('knows an order submitted over HTTP when it also arrives on the topic, and refuses other content under its id as DUPLICATE_ORDER', async () => {
    const received = orderReceived(web);
    const { metadata: _metadata, channel: _channel, ...body } = received;
    const overHttp = await submit(body);
    expect(overHttp.status).toBe(202);
    await publish(bus, [{ type: 'OrderReceived', payload: received }]);
    // Same key, so same partition: once this one is decided, the resend before it has been handled too.
    await publish(bus, [{ type: 'OrderReceived', payload: { ...received, metadata: { ...received.metadata, eventId: randomUUID() }, serviceLevel: 'STANDARD' } }]);
    const duplicate = (await reader.waitFor('OrderRejected', (p) => p.channelOrderId === received.channelOrderId))[0];
    expect(duplicate.payload).toMatchObject({ reason: 'DUPLICATE_ORDER', detail: expect.stringContaining(`already accepted as order ${String(overHttp.body['orderId'])}`) });
    await allPublishedAndRead();
    expect(reader.of('OrderAccepted', (p) => p.channelOrderId === received.channelOrderId).map((e) => e.payload.orderId)).toEqual([overHttp.body['orderId']]);
    // The resend ("39.9900" from Avro, "39.99" over HTTP) was the same order; only the changed one was refused.
    expect(reader.of('OrderRejected', (p) => p.channelOrderId === received.channelOrderId)).toHaveLength(1);
  });

  it('rejects an invalid OrderReceived with OrderRejected naming each problem, with an order id the channel can look up', async () => {
    const received = orderReceived(web, { lines: [line('l1', 'A', 0), line('l1', 'B')] });
    const invalid = { ...received, destination: { ...received.destination, countryCode: 'Germany' } };
    await publish(bus, [{ type: 'OrderReceived', payload: invalid }]);
    const rejected = (await reader.waitFor('OrderRejected', (p) => p.channelOrderId === received.channelOrderId))[0];
    expect(rejected.payload).toMatchObject({ channel: web, reason: 'INVALID_ORDER', customer: { customerId: 'cus-118' } });
    expect(rejected.payload.detail).toBe(
      'destination.countryCode: must be at most 2 characters (has 7); lines[0].quantity: must be a whole number ≥ 1, got 0; ' +
        'lines[1].lineId: repeats line id "l1" of lines[0]; line ids must be unique within an order',
    );
    const status = await orderStatus(rejected.payload.orderId);
    expect(status.body).toMatchObject({ status: 'REJECTED', rejection: { reason: 'INVALID_ORDER', problems: expect.arrayContaining([{ path: 'lines[0].quantity', problem: 'must be a whole number ≥ 1, got 0' }]) } });
  });

  it('rejects an order from a channel nobody registered as UNKNOWN_CHANNEL', async () => {
    const received = orderReceived(`ghost`);
    await publish(bus, [{ type: 'OrderReceived', payload: received }]);
    const rejected = (await reader.waitFor('OrderRejected', (p) => p.channelOrderId === received.channelOrderId))[0];
    expect(rejected.payload).toMatchObject({ channel: `ghost`, reason: 'UNKNOWN_CHANNEL' });
  });

  it('reads OrderReceived v1 (no market field): the market comes from the destination', async () => {
    const { market: _market, ...v1 } = orderReceived(web);
    await publishRaw(bus, 'orders.received', `${web}:${v1.channelOrderId}`, new EventCodec().encodeVersion('OrderReceived', 1, v1), { [Headers.eventType]: 'OrderReceived' });
    const accepted = (await reader.waitFor('OrderAccepted', (p) => p.channelOrderId === v1.channelOrderId))[0];
    expect(accepted.payload.market).toBe('DE');
  });

  it('sends bytes that are not an event to orders.received.dlq with the reason, and carries on', async () => {
    const key = `${web}:garbage`;
    await publishRaw(bus, 'orders.received', key, Buffer.from('{"channelOrderId":"not avro"}'), { [Headers.eventType]: 'unknown' });
    const after = orderReceived(web);
    await publish(bus, [{ type: 'OrderReceived', payload: after }]);
    const dead = await reader.deadLetter(key);
    expect(dead.topic).toBe('orders.received.dlq');
    expect(dead.headers[DeadLetterHeaders.reason]).toBe('malformed:not-single-object-encoding');
    await reader.waitFor('OrderAccepted', (p) => p.channelOrderId === after.channelOrderId);
  });
});

describe('API keys', () => {
  it('answers a missing, malformed, unknown or wrong key alike with 401, telling nothing about which channels exist', async () => {
    const [keyId] = keys[web].slice(4).split('.');
    const attempts = [
      await call('/v1/orders/ord-x', { key: null }),
      await call('/v1/orders/ord-x', { key: 'not-a-key' }),
      await call('/v1/orders/ord-x', { key: `syk_${'0'.repeat(16)}.${'A'.repeat(43)}` }),
      await call('/v1/orders/ord-x', { key: `syk_${keyId}.${'A'.repeat(43)}` }), // a real key id with the wrong secret
    ];
    expect(attempts.map((r) => [r.status, r.headers.get('www-authenticate')])).toEqual(Array(4).fill([401, 'Bearer']));
    const bodies = await Promise.all(attempts.map((r) => r.json()));
    expect(new Set(bodies.slice(1).map((b) => JSON.stringify(b))).size).toBe(1);
    expect(bodies[1]).toEqual({ errors: [{ path: 'Authorization', problem: expect.stringContaining('the API key is not valid') }] });
  });

  it('takes the key from X-Api-Key as well, and refuses a revoked key', async () => {
    const registry = new ChannelRegistry();
    const { keyId, apiKey } = await service.dataSource.transaction((em) => registry.issueKey(em, web));
    expect((await call('/v1/orders/ord-x', { key: null, headers: { 'x-api-key': apiKey } })).status).toBe(404);
    await registry.revokeKey(service.dataSource.manager, keyId);
    expect((await call('/v1/orders/ord-x', { key: apiKey })).status).toBe(401);
  });

  it("shows a channel only its own orders: another channel's order is 404, like one that does not exist", async () => {
    const { body } = await submit(orderBody({ channelOrderId: newChannelOrderId() }));
    const orderId = body['orderId'] as string;
    const asShop = await orderStatus(orderId, keys[shop]);
    const missing = await orderStatus('ord-does-not-exist', keys[shop]);
    expect([asShop.status, missing.status]).toEqual([404, 404]);
    expect(asShop.body).toEqual({ errors: [{ path: 'orderId', problem: `this channel has no order "${orderId}": use the orderId returned when the order was submitted` }] });
    expect((await call(`/v1/orders/${orderId}/cancel`, { key: keys[shop], body: {} })).status).toBe(404);
    expect((await orderStatus(orderId)).status).toBe(200);
  });

  it('never writes a key to the log', () => {
    const secrets = Object.values(keys).map((key) => key.split('.')[1]);
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.filter((entry) => secrets.some((secret) => entry.includes(secret)) || entry.includes(operatorKey))).toEqual([]);
  });
});

describe('status, timeline and cancellation', () => {
  it('publishes CancelOrder for the orchestrator and shows the request, then the outcome, in the timeline', async () => {
    const { body } = await submit(orderBody({ channelOrderId: newChannelOrderId() }));
    const orderId = body['orderId'] as string;
    const response = await call(`/v1/orders/${orderId}/cancel`, { body: { reason: 'CUSTOMER_REQUEST', note: 'changed my mind' } });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ orderId, status: 'ACCEPTED', cancellation: 'REQUESTED', alreadyRequested: false });
    const command = (await reader.waitFor('CancelOrder', (p) => p.orderId === orderId))[0];
    expect(command.payload).toMatchObject({ requestedBy: web, reason: 'CUSTOMER_REQUEST', note: 'changed my mind' });
    expect(reader.received.find((r) => r.event === command)).toMatchObject({ topic: 'orders.commands', key: orderId });

    const again = await call(`/v1/orders/${orderId}/cancel`, { body: {} });
    expect(await again.json()).toMatchObject({ alreadyRequested: true });

    await publish(bus, [lifeEvent('OrderCancelled', orderId)]);
    const cancelled = await eventually(async () => {
      const { body: view } = await orderStatus(orderId);
      if (view['status'] !== 'CANCELLED') throw new Error(`status ${String(view['status'])}`);
      return view;
    });
    expect(cancelled['timeline']).toEqual([
      expect.objectContaining({ event: 'OrderAccepted' }),
      { at: expect.any(String), event: 'CancelOrder', summary: `cancellation requested by ${web} (CUSTOMER_REQUEST): changed my mind` },
      { at: expect.any(String), event: 'OrderCancelled', summary: 'cancelled (CUSTOMER_REQUEST): 1 line will not ship' },
    ]);
    const late = await call(`/v1/orders/${orderId}/cancel`, { body: {} });
    expect(late.status).toBe(409);
  });

  it('refuses a cancellation with an unknown reason, naming the allowed ones', async () => {
    const { body } = await submit(orderBody({ channelOrderId: newChannelOrderId() }));
    const response = await call(`/v1/orders/${String(body['orderId'])}/cancel`, { body: { reason: 'BORED' } });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ errors: [{ path: 'reason', problem: 'must be one of CUSTOMER_REQUEST, FRAUD, PAYMENT_FAILED, OUT_OF_STOCK, OPERATOR, OTHER, got "BORED"' }] });
  });

  it('follows an order through routing, fulfilment and completion from the other services’ topics', async () => {
    const { body } = await submit(orderBody({ channelOrderId: newChannelOrderId(), lines: [line('l1', 'SKU-KETTLE')] }));
    const orderId = body['orderId'] as string;
    const waitForStatus = (status: string) =>
      eventually(async () => {
        const { body: view } = await orderStatus(orderId);
        if (view['status'] !== status) throw new Error(`status ${String(view['status'])}, waiting for ${status}`);
        return view;
      });

    await publish(bus, [lifeEvent('OrderRouted', orderId)]);
    await waitForStatus('IN_PROGRESS');
    await publish(bus, [lifeEvent('FulfilmentAccepted', orderId)]);
    await publish(bus, [lifeEvent('ShipmentDispatched', orderId)]);
    await waitForStatus('DISPATCHED');
    await publish(bus, [lifeEvent('OrderCompleted', orderId)]);
    const view = await waitForStatus('COMPLETED');
    expect((view['timeline'] as { event: string }[]).map((entry) => entry.event)).toEqual([
      'OrderAccepted',
      'OrderRouted',
      'FulfilmentAccepted',
      'ShipmentDispatched',
      'OrderCompleted',
    ]);
    expect(view['timeline']).toContainEqual(expect.objectContaining({ summary: 'shipment shp-1 dispatched from dc-berlin with dhl EXPRESS_1200, tracking TRK-1' }));
  });

  it('learns SKUs from stock levels on inventory.events: a SKU rejected before is accepted once stocked', async () => {
    const sku = `SKU-NEW`;
    const body = orderBody({ channelOrderId: newChannelOrderId(), lines: [line('l1', sku)] });
    expect((await submit(body)).status).toBe(422);
    await publish(bus, [{
      type: 'StockLevelChanged',
      payload: {
        metadata: { eventId: randomUUID(), occurredAt: Date.now(), correlationId: sku, causationId: null },
        locationId: 'dc-berlin',
        sku,
        onHand: 5,
        reserved: 0,
        safetyStock: 0,
        available: 5,
      },
    }]);
    await eventually(async () => {
      const known = await service.dataSource.query(`SELECT 1 FROM ${SCHEMA}.catalogue WHERE sku = $1`, [sku]);
      if (known.length === 0) throw new Error(`${sku} not in the catalogue yet`);
    });
    const resent = await submit(body);
    expect(resent.status).toBe(202);
  });
});

describe('operators', () => {
  const admin = (path: string, body?: unknown, key = operatorKey) => call(`/v1/admin${path}`, { key, body });

  it('create a channel over the admin API; its key works at once, and a wrong operator key is refused', async () => {
    const channelId = `b2b`;
    expect((await admin('/channels', { channelId }, `${operatorKey}x`)).status).toBe(401);
    const created = await admin('/channels', { channelId, defaultMarket: 'DE' });
    expect(created.status).toBe(201);
    const { apiKey } = (await created.json()) as { apiKey: string };
    expect(apiKey).toMatch(/^syk_[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/);
    expect((await submit(orderBody({ channelOrderId: newChannelOrderId() }), apiKey)).status).toBe(202);
    expect((await admin('/channels', { channelId })).status).toBe(409);
  });

  it('take the operator key from X-Api-Key as well, and answer a missing or wrong one with 401 in the error shape', async () => {
    expect((await call('/v1/admin/channels', { key: null, headers: { 'x-api-key': operatorKey } })).status).toBe(200);
    const refused = [
      await call('/v1/admin/channels', { key: null }),
      await call('/v1/admin/channels', { key: null, headers: { 'x-api-key': `${operatorKey}x` } }),
      await call('/v1/admin/channels', { key: `${operatorKey}x` }),
    ];
    expect(refused.map((r) => [r.status, r.headers.get('www-authenticate')])).toEqual(Array(3).fill([401, 'Bearer']));
    expect(await refused[0].json()).toEqual({
      errors: [{ path: 'Authorization', problem: 'send the operator key as "Authorization: Bearer <OPERATOR_API_KEY>" or "X-Api-Key: <OPERATOR_API_KEY>"' }],
    });
  });

  it('answer 503 naming OPERATOR_API_KEY when intake runs without one', async () => {
    const keyless = await startServiceUnderTest(orderIntakeService, { MESSAGING_TRANSPORT: 'embedded' }, { writeLog: () => undefined });
    try {
      const response = await fetch(`${keyless.service.url}/v1/admin/channels`, { headers: { authorization: `Bearer ${operatorKey}` } });
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ errors: [{ path: 'Authorization', problem: 'the admin endpoints are off: start order-intake with OPERATOR_API_KEY set' }] });
    } finally {
      await keyless.stop();
    }
  });

  it('import SKUs into the catalogue over the admin API', async () => {
    const response = await admin('/catalogue', { skus: [`SKU-IMPORTED`, 'A'] });
    expect(await response.json()).toEqual({ added: 1, alreadyKnown: 1 });
    expect((await submit(orderBody({ channelOrderId: newChannelOrderId(), lines: [line('l1', `SKU-IMPORTED`)] }))).status).toBe(202);
  });

  it('import SKUs while another transaction inserts the same ones the other way round (a deadlock PostgreSQL breaks): the import is run again', async () => {
    // The other side, as intake's consumer would be: it holds SKU-DL-B and then wants SKU-DL-A, which the import took.
    const other = await service.dataSource.createQueryRunner();
    await other.connect();
    await other.startTransaction();
    try {
      await other.query(`INSERT INTO ${SCHEMA}.catalogue (sku, source) VALUES ('SKU-DL-B', 'test')`);
      const importing = admin('/catalogue', { skus: ['SKU-DL-B', 'SKU-DL-A'] });
      // The import has taken SKU-DL-A and waits for SKU-DL-B once its statement runs; then close the circle.
      await eventually(async () => {
        const waiting: unknown[] = await service.dataSource.query(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%catalogue%'`);
        expect(waiting.length).toBeGreaterThan(0);
      });
      const closing = other.query(`INSERT INTO ${SCHEMA}.catalogue (sku, source) VALUES ('SKU-DL-A', 'test')`).then(
        () => 'inserted',
        (error: { driverError?: { code?: string } }) => error.driverError?.code ?? 'failed',
      );
      // PostgreSQL aborts the side that waited first (the import); its retry then waits for this transaction.
      const outcome = await closing;
      if (outcome === 'inserted') await other.commitTransaction();
      else await other.rollbackTransaction();
      const response = await importing;
      expect(outcome).toBe('inserted');
      expect(response.status).toBe(201);
      const known: unknown[] = await service.dataSource.query(`SELECT sku FROM ${SCHEMA}.catalogue WHERE sku IN ('SKU-DL-A', 'SKU-DL-B')`);
      expect(known).toHaveLength(2);
    } finally {
      if (other.isTransactionActive) await other.rollbackTransaction();
      await other.release();
    }
  });

  it('create a channel and import SKUs with the CLIs; the key is printed once and works at once', async () => {
    const cli = async (...args: string[]) =>
      (await promisify(execFile)(process.execPath, ['-r', '@swc-node/register', ...args], { cwd: workspaceRoot(), env: { ...process.env, DATABASE_URL: database.url } })).stdout;
    const channelId = `cli`;
    const stdout = await cli('services/order-intake/src/cli/channels.ts', 'create', channelId, '--market', 'FR');
    const apiKey = /API key: (\S+)/.exec(stdout)?.[1] as string;
    expect(stdout).toContain(`channel: ${channelId}`);
    expect(await cli('services/order-intake/src/cli/catalogue.ts', 'add', `SKU-CLI`, 'A')).toBe('1 SKU(s) added, 1 known already\n');

    const { body } = await submit(orderBody({ channelOrderId: newChannelOrderId(), lines: [line('l1', `SKU-CLI`)] }), apiKey);
    const accepted = (await reader.waitFor('OrderAccepted', (p) => p.orderId === body['orderId']))[0];
    expect([accepted.payload.channel, accepted.payload.market]).toEqual([channelId, 'FR']);
  });

  it('serve the OpenAPI document without a key', async () => {
    const response = await call('/openapi.json', { key: null });
    const document = (await response.json()) as { openapi: string; paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } };
    expect(document.openapi).toBe('3.0.3');
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/v1/orders', '/v1/orders/{orderId}', '/v1/orders/{orderId}/cancel']));
    expect(document.components.schemas['Order']).toMatchObject({ properties: { lines: { maxItems: MAX_LINES } } });
  });
});
