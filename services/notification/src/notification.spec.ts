import { randomUUID } from 'node:crypto';
import { EventOf, LineQuantity } from '@switchyard/contracts';
import { createTestDatabase, type TestDatabase } from '@switchyard/infra';
import { eventually, expectCount, groupCaughtUp, publish, startServiceUnderTest, testTransport, TopicReader, uniqueNamespace, type ServiceUnderTest } from '@switchyard/service-kit/testing';
import type { DeliveryView } from './deliveries';
import { notificationService } from './notification.definition';
import { SmtpReceiver } from './testing/smtp-receiver';
import { verifySignature, WebhookReceiver } from './testing/webhook-receiver';

// The notification service on real Kafka and PostgreSQL, sending to a real SMTP server that parses what it gets.
const namespace = uniqueNamespace('spec-notification');
const bus = testTransport(namespace);
const OPERATOR_KEY = `spec-operator-key-${randomUUID()}`;

let smtp: SmtpReceiver;
let reader: TopicReader;

beforeAll(async () => {
  smtp = await SmtpReceiver.start();
  reader = await TopicReader.start(bus, ['notification.events']);
});

afterAll(async () => {
  await reader?.stop();
  await smtp?.stop();
});

const start = (database: TestDatabase, env: Record<string, string> = {}) =>
  startServiceUnderTest(
    notificationService,
    { TOPIC_NAMESPACE: namespace, SMTP_URL: smtp.url, MAIL_FROM: 'Shop <orders@shop.example>', DELIVERY_SCAN_INTERVAL_MS: '50', DELIVERY_BACKOFF_MS: '50', DELIVERY_MAX_ATTEMPTS: '3', OPERATOR_KEY, ...env },
    { database, writeLog: () => undefined },
  );

const meta = (orderId: string) => ({ eventId: randomUUID(), occurredAt: Date.now(), correlationId: orderId, causationId: null });

function accepted(email: string | null, locale: string | null, channel = 'web-de'): EventOf<'OrderAccepted'> {
  const orderId = `ord-${randomUUID()}`;
  return {
    type: 'OrderAccepted',
    payload: {
      metadata: meta(orderId),
      orderId,
      channel,
      channelOrderId: `WEB-${randomUUID().slice(0, 8)}`,
      market: 'DE',
      customer: { customerId: 'cus-1', tier: 'gold', priority: 0, contactReference: `crm:contact/${randomUUID().slice(0, 8)}`, email, locale },
      destination: { recipientName: 'Kim Weber', line1: 'Torstraße 12', line2: null, city: 'Berlin', region: null, postalCode: '10119', countryCode: 'DE', coordinates: null },
      serviceLevel: 'STANDARD',
      promisedDate: null,
      backOrderPolicy: 'SPLIT',
      lines: [
        { lineId: 'l1', sku: 'SKU-KETTLE', quantity: 1, unitWeightGrams: 1450, unitPrice: { amount: '39.99', currency: 'EUR' } },
        { lineId: 'l2', sku: 'SKU-MUG', quantity: 4, unitWeightGrams: 300, unitPrice: { amount: '7.50', currency: 'EUR' } },
      ],
    },
  };
}

const dispatched = (orderId: string, fulfilmentId: string, trackingNumber: string, lines: LineQuantity[]): EventOf<'ShipmentDispatched'> => ({
  type: 'ShipmentDispatched',
  payload: { metadata: meta(orderId), orderId, fulfilmentId, locationId: 'dc-berlin', carrier: { carrierId: 'dhl', serviceCode: 'PAKET' }, trackingNumber, trackingUrl: `https://track.example/${trackingNumber}`, lines },
});

const cancelled = (orderId: string, lines: LineQuantity[]): EventOf<'OrderCancelled'> => ({
  type: 'OrderCancelled',
  payload: { metadata: meta(orderId), orderId, reason: 'OUT_OF_STOCK', cancelledLines: lines, detail: null },
});

const notified = (orderId: string) => reader.of('CustomerNotified', (p) => p.orderId === orderId);

async function deliveriesOf(service: ServiceUnderTest, orderId: string): Promise<DeliveryView[]> {
  const response = await fetch(`${service.service.url}/v1/deliveries?orderId=${encodeURIComponent(orderId)}`, { headers: { authorization: `Bearer ${OPERATOR_KEY}` } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { deliveries: DeliveryView[] }).deliveries;
}

/** Everything published so far is applied, and nothing of the order is waiting to be sent: no message can still come. */
async function settled(service: ServiceUnderTest, orderId: string): Promise<DeliveryView[]> {
  await groupCaughtUp(bus, 'notification', ['orders.lifecycle', 'fulfilment.events']);
  return eventually(async () => {
    const deliveries = await deliveriesOf(service, orderId);
    if (deliveries.some((d) => d.state === 'PENDING')) throw new Error(`deliveries of ${orderId} still pending`);
    return deliveries;
  });
}

describe('the notification service with a working SMTP server', () => {
  let database: TestDatabase;
  let service: ServiceUnderTest | undefined;

  beforeAll(async () => {
    database = await createTestDatabase('notification');
    service = await start(database);
  });

  afterAll(async () => {
    await service?.service.close();
    await database?.drop();
  });

  it("tells the customer of a split order each change exactly once, in their language, across a restart and redelivered events", async () => {
    const order = accepted('kim@example.org', 'de-DE');
    const { orderId, channelOrderId } = order.payload;
    const first = dispatched(orderId, `${orderId}-f1`, 'TRK0001', [{ lineId: 'l1', sku: 'SKU-KETTLE', quantity: 1 }]);
    // OrderAccepted first: status events on other topics have no fixed order relative to it.
    await publish(bus, [order]);
    await eventually(() => expectCount(notified(orderId), 1, 'CustomerNotified of the acceptance'));
    await publish(bus, [first]);
    await eventually(() => expectCount(notified(orderId), 2, 'CustomerNotified before the restart'));

    await service?.service.close();
    service = undefined;
    service = await start(database);
    // The same messages again (inbox), the same status under new event ids (delivery key), then the second shipment.
    const second = dispatched(orderId, `${orderId}-f2`, 'TRK0002', [{ lineId: 'l2', sku: 'SKU-MUG', quantity: 4 }]);
    await publish(bus, [order, first, { ...order, payload: { ...order.payload, metadata: meta(orderId) } }, { ...first, payload: { ...first.payload, metadata: meta(orderId) } }, second]);

    const deliveries = await eventually(async () => {
      const found = await settled(service as ServiceUnderTest, orderId);
      return expectCount(found, 3, 'deliveries');
    });
    expect(deliveries.map((d) => [d.statusKey, d.template, d.state, d.medium])).toEqual([
      ['ACCEPTED', 'order-accepted', 'SENT', 'EMAIL'],
      [`DISPATCHED:${orderId}-f1`, 'order-dispatched', 'SENT', 'EMAIL'],
      [`DISPATCHED:${orderId}-f2`, 'order-dispatched', 'SENT', 'EMAIL'],
    ]);
    const mails = smtp.to('kim@example.org').filter((m) => m.subject?.includes(channelOrderId));
    expect(mails.map((m) => m.subject)).toEqual([
      `Wir haben Ihre Bestellung ${channelOrderId} erhalten`,
      `Ihre Bestellung ${channelOrderId} ist unterwegs`,
      `Ihre Bestellung ${channelOrderId} ist unterwegs`,
    ]);
    expect(mails.map((m) => m.language)).toEqual(['de', 'de', 'de']);
    // Which items come when: each shipment's message names its own items, tracking number and link.
    expect(mails[1]?.text).toContain('1 × SKU-KETTLE');
    expect(mails[1]?.text).not.toContain('SKU-MUG');
    expect(mails[1]?.text).toContain('Sendungsnummer: TRK0001');
    expect(mails[1]?.text).toContain('Versand: dhl (PAKET)');
    expect(mails[2]?.text).toContain('4 × SKU-MUG');
    expect(mails[2]?.html).toContain('<a href="https://track.example/TRK0002">Sendung verfolgen</a>');
    expect(mails.map((m) => m.messageId)).toEqual(deliveries.map((d) => `<${d.deliveryId}@notification.switchyard>`));

    const events = expectCount(notified(orderId), 3, 'CustomerNotified');
    expect(events.map((e) => [e.payload.notificationId, e.payload.template, e.payload.medium, e.payload.triggeredBy, e.payload.contactReference])).toEqual(
      deliveries.map((d) => [d.deliveryId, d.template, 'EMAIL', d.template === 'order-accepted' ? 'OrderAccepted' : 'ShipmentDispatched', order.payload.customer.contactReference]),
    );
    expect(events.map((e) => e.payload.metadata.causationId)).toEqual([order.payload.metadata.eventId, first.payload.metadata.eventId, second.payload.metadata.eventId]);
  });

  it('sends a cancellation in English, with text and HTML parts, when the locale is missing', async () => {
    const order = accepted('sam@example.org', null);
    const { orderId, channelOrderId } = order.payload;
    await publish(bus, [order, cancelled(orderId, [{ lineId: 'l2', sku: 'SKU-<MUG>', quantity: 4 }])]); // one topic, one key: in order
    await eventually(() => expectCount(notified(orderId), 2, 'CustomerNotified'));
    const mails = smtp.to('sam@example.org').filter((m) => m.subject?.includes(channelOrderId));
    expect(mails.map((m) => m.subject)).toEqual([`We have received your order ${channelOrderId}`, `Your order ${channelOrderId} has been cancelled`]);
    expect(mails[1]?.text).toContain('4 × SKU-<MUG>');
    expect(mails[1]?.text).toContain('Reason: out of stock');
    expect(mails[1]?.html).toContain('<li>4 × SKU-&lt;MUG&gt;</li>');
  });

  it('sends nothing to a customer who opted out of email', async () => {
    const order = accepted(null, 'de-DE');
    const { orderId, channelOrderId } = order.payload;
    await publish(bus, [order]);
    await groupCaughtUp(bus, 'notification', ['orders.lifecycle']);
    await publish(bus, [dispatched(orderId, `${orderId}-f1`, 'TRK0003', [{ lineId: 'l1', sku: 'SKU-KETTLE', quantity: 1 }]), cancelled(orderId, [])]);
    expect(await settled(service as ServiceUnderTest, orderId)).toEqual([]);
    expect(notified(orderId)).toEqual([]);
    expect(smtp.received.filter((m) => m.subject?.includes(channelOrderId))).toEqual([]);
  });

  it('retries a recipient the mail server refuses, then records FAILED without the address, while other orders go out', async () => {
    const refused = accepted('unreachable@example.org', null);
    const fine = accepted('reachable@example.org', null);
    smtp.refuse.add('unreachable@example.org');
    await publish(bus, [refused, fine]);
    await eventually(() => expectCount(notified(fine.payload.orderId), 1, 'CustomerNotified of the other order'));
    const [failed] = await eventually(async () => expectCount(await settled(service as ServiceUnderTest, refused.payload.orderId), 1, 'deliveries'));
    expect(failed).toMatchObject({ statusKey: 'ACCEPTED', state: 'FAILED', attempts: 3 });
    expect(failed?.lastError).toContain('451');
    expect(failed?.lastError).not.toContain('unreachable@example.org');
    expect(notified(refused.payload.orderId)).toEqual([]);
    expect(smtp.to('unreachable@example.org')).toEqual([]);
  });

  it('keeps the delivery log behind the operator key', async () => {
    const response = await fetch(`${service?.service.url}/v1/deliveries?orderId=x`, { headers: { authorization: 'Bearer wrong-key-wrong-key' } });
    expect(response.status).toBe(401);
  });
});

describe('channel webhooks', () => {
  let database: TestDatabase;
  let service: ServiceUnderTest | undefined;
  let endpoint: WebhookReceiver;
  const secret = `whsec-${randomUUID()}-${randomUUID()}`;

  const register = (channel: string, body: unknown) =>
    fetch(`${service?.service.url}/v1/channels/${channel}/webhook`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_KEY}` },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    endpoint = await WebhookReceiver.start();
    database = await createTestDatabase('notification webhooks');
    service = await start(database);
  });

  afterAll(async () => {
    await service?.service.close();
    await database?.drop();
    await endpoint?.stop();
  });

  it('posts each status change once to the channel, signed so that the right secret verifies it and a wrong one does not', async () => {
    expect((await register('hooks-ok', { url: endpoint.url, secret })).status).toBe(200);
    const order = accepted('lee@example.org', 'en-GB', 'hooks-ok');
    const { orderId } = order.payload;
    const shipment = dispatched(orderId, `${orderId}-f1`, 'TRK0100', [{ lineId: 'l1', sku: 'SKU-KETTLE', quantity: 1 }]);
    await publish(bus, [order]);
    await eventually(() => expectCount(endpoint.accepted(orderId), 1, 'webhook of the acceptance'));
    await publish(bus, [shipment]);
    await eventually(() => expectCount(endpoint.accepted(orderId), 2, 'webhooks'));
    // The same status again under a new event id: nothing new for either recipient.
    await publish(bus, [{ ...shipment, payload: { ...shipment.payload, metadata: meta(orderId) } }]);
    const deliveries = await settled(service as ServiceUnderTest, orderId);
    expect(deliveries.map((d) => [d.statusKey, d.medium, d.recipient.split(':')[0], d.state]).sort()).toEqual([
      ['ACCEPTED', 'EMAIL', 'email', 'SENT'],
      ['ACCEPTED', 'WEBHOOK', 'webhook', 'SENT'],
      [`DISPATCHED:${orderId}-f1`, 'EMAIL', 'email', 'SENT'],
      [`DISPATCHED:${orderId}-f1`, 'WEBHOOK', 'webhook', 'SENT'],
    ]);

    const received = expectCount(endpoint.accepted(orderId), 2, 'webhooks');
    expect(received.map((r) => [r.body.status, r.body.triggeredBy])).toEqual([
      ['ACCEPTED', 'OrderAccepted'],
      [`DISPATCHED:${orderId}-f1`, 'ShipmentDispatched'],
    ]);
    expect(received[1]?.body.content).toMatchObject({ template: 'order-dispatched', trackingNumber: 'TRK0100', carrierId: 'dhl' });
    expect(received.every((r) => !r.rawBody.includes('lee@example.org'))).toBe(true);
    expect(received.map((r) => verifySignature(secret, r.signature, r.rawBody))).toEqual([true, true]);
    expect(received.map((r) => verifySignature(`${secret}-wrong`, r.signature, r.rawBody))).toEqual([false, false]);
    expect(verifySignature(secret, received[0]?.signature, received[0]?.rawBody.replace('ACCEPTED', 'CANCELLED') ?? '')).toBe(false);
    const webhookDeliveries = deliveries.filter((d) => d.medium === 'WEBHOOK').map((d) => d.deliveryId).sort();
    expect(received.map((r) => r.deliveryId).sort()).toEqual(webhookDeliveries);
    expect(
      notified(orderId)
        .filter((e) => e.payload.medium === 'WEBHOOK')
        .map((e) => e.payload.notificationId)
        .sort(),
    ).toEqual(webhookDeliveries);
  });

  it('retries an endpoint that is down for a while and delivers once it is back', async () => {
    expect((await register('hooks-flaky', { url: endpoint.url, secret })).status).toBe(200);
    endpoint.failNext = 2;
    const order = accepted(null, null, 'hooks-flaky');
    await publish(bus, [order]);
    const [delivery] = await eventually(async () => expectCount(await settled(service as ServiceUnderTest, order.payload.orderId), 1, 'deliveries'));
    expect(delivery).toMatchObject({ medium: 'WEBHOOK', state: 'SENT', attempts: 3 });
    expect(endpoint.requests.filter((r) => r.body.orderId === order.payload.orderId).map((r) => r.status)).toEqual([503, 503, 204]);
  });

  it('records a webhook FAILED after the retry budget when the endpoint stays down, and publishes no CustomerNotified for it', async () => {
    const down = await WebhookReceiver.start();
    down.failing = true;
    try {
      expect((await register('hooks-down', { url: down.url, secret })).status).toBe(200);
      const order = accepted(null, null, 'hooks-down');
      await publish(bus, [order]);
      const [delivery] = await eventually(async () => expectCount(await settled(service as ServiceUnderTest, order.payload.orderId), 1, 'deliveries'));
      expect(delivery).toMatchObject({ medium: 'WEBHOOK', state: 'FAILED', attempts: 3, lastError: 'webhook endpoint answered 503' });
      expect(down.requests).toHaveLength(3);
      expect(notified(order.payload.orderId)).toEqual([]);
    } finally {
      await down.stop();
    }
  });

  it('refuses a registration without a usable URL and secret, naming both', async () => {
    const response = await register('hooks-bad', { url: 'ftp://x', secret: 'short' });
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toMatch(/url: an http:\/\/ or https:\/\/ URL.*secret: 32-512 characters/);
  });
});

describe('settings', () => {
  it('refuses to start without an SMTP server and a sender, naming both', async () => {
    const database = await createTestDatabase('notification settings');
    try {
      await expect(
        startServiceUnderTest(notificationService, { TOPIC_NAMESPACE: namespace, SMTP_URL: 'http://mail.example', MAIL_FROM: '' }, { database, writeLog: () => undefined }),
      ).rejects.toThrow(/SMTP_URL must be a URL starting with smtp:\/\/ or smtps:\/\/[\s\S]*MAIL_FROM is required/);
    } finally {
      await database.drop();
    }
  });
});
