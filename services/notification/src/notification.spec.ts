import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@switchyard/infra';
import { eventually, expectCount, groupCaughtUp, publish, startServiceUnderTest, type ServiceUnderTest } from '@switchyard/service-kit/testing';
import type { DeliveryPage } from './deliveries';
import { notificationService } from './notification.definition';
import { accepted, cancelled, carrierSelected, completed, dispatched, held, KETTLE, meta, MUGS, needsAttention, NotificationHarness, rejected, released, resent, routed } from './testing/notification-test-kit';
import { verifySignature, WebhookReceiver } from './testing/webhook-receiver';

// The notification service on real Kafka and PostgreSQL, sending to a real SMTP server that parses what it gets.
const harness = new NotificationHarness();
const { bus, namespace } = harness;
const OPERATOR_KEY = harness.operatorKey;

beforeAll(() => harness.setUp());
afterAll(() => harness.tearDown());

const start = (database: TestDatabase, env: Record<string, string> = {}) => harness.start(database, env);
const notified = (orderId: string) => harness.notified(orderId);
const deliveriesOf = (service: ServiceUnderTest, orderId: string) => harness.deliveriesOf(service, orderId);
const settled = (service: ServiceUnderTest, orderId: string) => harness.settled(service, orderId);

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
    const mails = harness.smtp.to('kim@example.org').filter((m) => m.subject?.includes(channelOrderId));
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

    // SENT is in the database; its CustomerNotified still has to go through the outbox relay and Kafka to the reader.
    const events = await eventually(() => expectCount(notified(orderId), 3, 'CustomerNotified'));
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
    const mails = harness.smtp.to('sam@example.org').filter((m) => m.subject?.includes(channelOrderId));
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
    await harness.notifiedCaughtUp(service as ServiceUnderTest, orderId);
    expect(notified(orderId)).toEqual([]);
    expect(harness.smtp.received.filter((m) => m.subject?.includes(channelOrderId))).toEqual([]);
  });

  it('keeps a dispatch that arrives before the order\'s acceptance, across a restart, and tells it after the acceptance, once', async () => {
    const order = accepted('early@example.org', 'en-GB');
    const { orderId, channelOrderId } = order.payload;
    const shipment = dispatched(orderId, `${orderId}-f1`, 'TRK0200', [KETTLE, MUGS]);
    // The dispatch first (another topic than the acceptance: nothing orders them), applied before the acceptance exists.
    await publish(bus, [shipment]);
    await groupCaughtUp(bus, 'notification', ['fulfilment.events']);
    expect(await deliveriesOf(service as ServiceUnderTest, orderId)).toEqual([]);
    // Parked durably: a restart in between loses nothing.
    await service?.service.close();
    service = undefined;
    service = await start(database);
    await publish(bus, [order, resent(shipment)]);
    const deliveries = await eventually(async () => expectCount(await settled(service as ServiceUnderTest, orderId), 2, 'deliveries'));
    expect(deliveries.map((d) => [d.statusKey, d.state])).toEqual([
      ['ACCEPTED', 'SENT'],
      [`DISPATCHED:${orderId}-f1`, 'SENT'],
    ]);
    const mails = harness.smtp.to('early@example.org');
    expect(mails.map((m) => m.subject)).toEqual([`We have received your order ${channelOrderId}`, `Your order ${channelOrderId} is on its way`]);
    expect(mails[1]?.text).toContain('Tracking number: TRK0200');
    const told = await eventually(() => expectCount(notified(orderId), 2, 'CustomerNotified'));
    expect(told.map((e) => e.payload.metadata.causationId)).toEqual([order.payload.metadata.eventId, shipment.payload.metadata.eventId]);
  });

  it('tells of a split once, naming which items come when, and of a wait for stock, but not of an operator hold, a release or the completion', async () => {
    const order = accepted('split@example.org', 'de-DE');
    const { orderId, channelOrderId } = order.payload;
    const plan = routed(orderId, [[`${orderId}-s1`, '2027-03-02', [KETTLE]]], [MUGS]);
    const replan = routed(orderId, [[`${orderId}-s1`, '2027-03-02', [KETTLE]], [`${orderId}-s2`, '2027-03-09', [MUGS]]]);
    await publish(bus, [order, held(orderId, 'OPERATOR_HOLD', [KETTLE, MUGS]), released(orderId)]);
    await publish(bus, [plan, replan]);
    await groupCaughtUp(bus, 'notification', ['orders.lifecycle', 'routing.events']);
    await publish(bus, [held(orderId, 'AWAITING_STOCK', [MUGS]), resent(held(orderId, 'AWAITING_STOCK', [MUGS])), released(orderId), completed(orderId, [[`${orderId}-s1`, 'TRK1', [KETTLE]]])]);
    const deliveries = await eventually(async () => expectCount(await settled(service as ServiceUnderTest, orderId), 3, 'deliveries'));
    expect(deliveries.map((d) => [d.statusKey, d.template, d.state]).sort()).toEqual([
      ['ACCEPTED', 'order-accepted', 'SENT'],
      ['HELD:2', 'order-held', 'SENT'],
      ['SPLIT', 'order-split', 'SENT'],
    ]);
    const mails = harness.smtp.to('split@example.org');
    expect(mails.map((m) => m.subject)).toEqual([
      `Wir haben Ihre Bestellung ${channelOrderId} erhalten`,
      `Ihre Bestellung ${channelOrderId} kommt in mehreren Sendungen`,
      `Einige Artikel Ihrer Bestellung ${channelOrderId} verzögern sich`,
    ]);
    // The first plan that split is told (the re-plan is not news): the kettle by a date, the mugs later.
    expect(mails[1]?.text).toContain('Sendung 1, voraussichtlich bis 2027-03-02:\n- 1 × SKU-KETTLE');
    expect(mails[1]?.text).toContain('Später, sobald wieder vorrätig:\n- 4 × SKU-MUG');
    expect(mails[1]?.html).toContain('<p>Sendung 1, voraussichtlich bis 2027-03-02:</p><ul><li>1 × SKU-KETTLE</li></ul>');
    expect(mails[2]?.text).toContain('4 × SKU-MUG');
    expect(mails[2]?.text).not.toContain('SKU-KETTLE');
  });

  it('tells a rejected customer why, in their language', async () => {
    const rejection = rejected('rejected@example.org');
    const { orderId, channelOrderId } = rejection.payload;
    await publish(bus, [rejection, resent(rejection)]);
    const [delivery] = await eventually(async () => expectCount(await settled(service as ServiceUnderTest, orderId), 1, 'deliveries'));
    expect(delivery).toMatchObject({ statusKey: 'REJECTED', template: 'order-rejected', state: 'SENT', medium: 'EMAIL' });
    const [mail] = expectCount(harness.smtp.to('rejected@example.org'), 1, 'mails');
    expect(mail?.subject).toBe(`We could not accept your order ${channelOrderId}`);
    expect(mail?.text).toContain('Reason: an item is not available');
    const [told] = await eventually(() => expectCount(notified(orderId), 1, 'CustomerNotified'));
    expect(told?.payload).toMatchObject({ triggeredBy: 'OrderRejected', contactReference: rejection.payload.customer?.contactReference });
  });

  it('retries a recipient the mail server refuses, then records FAILED without the address, while other orders go out', async () => {
    const refused = accepted('unreachable@example.org', null);
    const fine = accepted('reachable@example.org', null);
    harness.smtp.refuse.add('unreachable@example.org');
    await publish(bus, [refused, fine]);
    await eventually(() => expectCount(notified(fine.payload.orderId), 1, 'CustomerNotified of the other order'));
    const [failed] = await eventually(async () => expectCount(await settled(service as ServiceUnderTest, refused.payload.orderId), 1, 'deliveries'));
    expect(failed).toMatchObject({ statusKey: 'ACCEPTED', state: 'FAILED', attempts: 3 });
    expect(failed?.lastError).toContain('451');
    expect(failed?.lastError).not.toContain('unreachable@example.org');
    await harness.notifiedCaughtUp(service as ServiceUnderTest, refused.payload.orderId);
    expect(notified(refused.payload.orderId)).toEqual([]);
    expect(harness.smtp.to('unreachable@example.org')).toEqual([]);
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
  let ops: WebhookReceiver;
  const secret = `whsec-${randomUUID()}-${randomUUID()}`;
  const opsSecret = `ops-${randomUUID()}-${randomUUID()}`;
  const OPS_EMAIL = 'ops@shop.example';
  const opsEnv = () => ({ OPS_WEBHOOK_URL: ops.url, OPS_WEBHOOK_SECRET: opsSecret, OPS_EMAIL, BACKORDER_ALERT_AGE_MS: String(3_600_000) });
  /** What the operations webhook accepted about an order (Slack-compatible payloads). */
  const opsAlerts = (orderId: string) =>
    ops.requests.filter((r) => r.status === 204 && r.rawBody.includes(orderId)).map((r) => ({ ...r, payload: JSON.parse(r.rawBody) as { text: string; blocks: { type: string; text?: { text: string }; fields?: { text: string }[] }[] } }));

  const register = (channel: string, body: unknown) =>
    fetch(`${service?.service.url}/v1/channels/${channel}/webhook`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_KEY}` },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    endpoint = await WebhookReceiver.start();
    ops = await WebhookReceiver.start();
    database = await createTestDatabase('notification webhooks');
    service = await start(database, opsEnv());
  });

  afterAll(async () => {
    await service?.service.close();
    await database?.drop();
    await endpoint?.stop();
    await ops?.stop();
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
    // CustomerNotified passes through the outbox relay and Kafka after the delivery shows SENT.
    await eventually(() =>
      expect(
        notified(orderId)
          .filter((e) => e.payload.medium === 'WEBHOOK')
          .map((e) => e.payload.notificationId)
          .sort(),
      ).toEqual(webhookDeliveries),
    );
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

  it('records a webhook FAILED after the retry budget when the endpoint stays down, lists it for operations, and redelivers it with the same id once it is up', async () => {
    const down = await WebhookReceiver.start();
    down.failing = true;
    try {
      expect((await register('hooks-down', { url: down.url, secret })).status).toBe(200);
      const order = accepted(null, null, 'hooks-down');
      const { orderId } = order.payload;
      await publish(bus, [order]);
      const [delivery] = await eventually(async () => expectCount(await settled(service as ServiceUnderTest, orderId), 1, 'deliveries'));
      expect(delivery).toMatchObject({ medium: 'WEBHOOK', state: 'FAILED', attempts: 3, lastError: 'webhook endpoint answered 503' });
      expect(down.requests).toHaveLength(3);
      await harness.notifiedCaughtUp(service as ServiceUnderTest, orderId);
      expect(notified(orderId)).toEqual([]);

      // Visible in the list of every order's FAILED deliveries, page by page.
      const failed: string[] = [];
      for (let after: string | null = ''; after !== null; ) {
        const { status, body } = await harness.operator(service as ServiceUnderTest, 'GET', `/v1/deliveries?state=FAILED&limit=1${after ? `&after=${after}` : ''}`);
        expect(status).toBe(200);
        const page = body as DeliveryPage;
        expect(page.deliveries.length).toBeLessThanOrEqual(1);
        failed.push(...page.deliveries.map((d) => d.deliveryId));
        after = page.next;
      }
      expect(failed).toContain(delivery?.deliveryId);

      down.failing = false;
      const redelivery = await harness.operator(service as ServiceUnderTest, 'POST', `/v1/deliveries/${delivery?.deliveryId}/redeliver`);
      expect(redelivery).toEqual({ status: 202, body: { deliveryId: delivery?.deliveryId, state: 'PENDING' } });
      const [sent] = await eventually(async () => expectCount(await settled(service as ServiceUnderTest, orderId), 1, 'deliveries'));
      expect(sent).toMatchObject({ deliveryId: delivery?.deliveryId, state: 'SENT', attempts: 1, lastError: null });
      expect(down.requests.map((r) => [r.status, r.deliveryId])).toEqual([...Array(3).fill([503, delivery?.deliveryId]), [204, delivery?.deliveryId]]);
      expect(verifySignature(secret, down.requests[3]?.signature, down.requests[3]?.rawBody ?? '')).toBe(true);
      const [told] = await eventually(() => expectCount(notified(orderId), 1, 'CustomerNotified'));
      expect(told?.payload.notificationId).toBe(delivery?.deliveryId);
      // Only FAILED deliveries go back; an unknown one is named.
      expect((await harness.operator(service as ServiceUnderTest, 'POST', `/v1/deliveries/${delivery?.deliveryId}/redeliver`)).status).toBe(409);
      expect((await harness.operator(service as ServiceUnderTest, 'POST', `/v1/deliveries/${randomUUID()}/redeliver`)).status).toBe(404);
    } finally {
      await down.stop();
    }
  });

  it('tells the channel of every status change of a journey and the customer of the ones meant for them, each exactly once across a restart and redelivered events', async () => {
    expect((await register('hooks-journey', { url: endpoint.url, secret })).status).toBe(200);
    const order = accepted('journey@example.org', 'en-GB', 'hooks-journey');
    const { orderId, channelOrderId } = order.payload;
    const plan = routed(orderId, [[`${orderId}-f1`, '2027-03-02', [KETTLE]], [`${orderId}-f2`, '2027-03-04', [MUGS]]]);
    const first = dispatched(orderId, `${orderId}-f1`, 'TRK0301', [KETTLE]);
    // In the real flow a dispatch comes long after the plan; here: once the plan is applied (other topics, no fixed order).
    await publish(bus, [order, plan]);
    await eventually(() => expectCount(endpoint.accepted(orderId), 2, 'webhooks of the acceptance and the split'));
    await publish(bus, [first]);
    await eventually(() => expectCount(endpoint.accepted(orderId), 3, 'webhooks before the restart'));

    await service?.service.close();
    service = undefined;
    service = await start(database, opsEnv());
    const second = dispatched(orderId, `${orderId}-f2`, 'TRK0302', [MUGS]);
    const done = completed(orderId, [[`${orderId}-f1`, 'TRK0301', [KETTLE]], [`${orderId}-f2`, 'TRK0302', [MUGS]]]);
    await publish(bus, [order, plan, first, resent(order), resent(plan), resent(first), second, done, resent(done)]);

    const deliveries = await eventually(async () => expectCount(await settled(service as ServiceUnderTest, orderId), 9, 'deliveries'));
    expect(deliveries.every((d) => d.state === 'SENT')).toBe(true);
    const received = expectCount(endpoint.accepted(orderId), 5, 'webhooks');
    // Dispatches and the completion come on different topics: no fixed order between them.
    expect(received.map((r) => r.body.status).sort()).toEqual(['ACCEPTED', 'COMPLETED', `DISPATCHED:${orderId}-f1`, `DISPATCHED:${orderId}-f2`, 'SPLIT']);
    expect(received.every((r) => verifySignature(secret, r.signature, r.rawBody))).toBe(true);
    expect(harness.smtp.to('journey@example.org').map((m) => m.subject)).toEqual([
      `We have received your order ${channelOrderId}`,
      `Your order ${channelOrderId} will arrive in several parts`,
      `Your order ${channelOrderId} is on its way`,
      `Your order ${channelOrderId} is on its way`,
    ]);
    await eventually(() => expect(notified(orderId).map((e) => e.payload.notificationId).sort()).toEqual(deliveries.map((d) => d.deliveryId).sort()));
  });

  it('tells only the channel of a rejection that names no customer', async () => {
    expect((await register('hooks-reject', { url: endpoint.url, secret })).status).toBe(200);
    const rejection = rejected(null, 'hooks-reject');
    const { orderId } = rejection.payload;
    await publish(bus, [rejection]);
    const [delivery] = await eventually(async () => expectCount(await settled(service as ServiceUnderTest, orderId), 1, 'deliveries'));
    expect(delivery).toMatchObject({ statusKey: 'REJECTED', medium: 'WEBHOOK', state: 'SENT' });
    expect(expectCount(endpoint.accepted(orderId), 1, 'webhooks')[0]?.body.content).toMatchObject({ template: 'order-rejected', reason: 'UNKNOWN_SKU', detail: 'line 2: SKU-NOPE is not sold' });
  });

  it('lists channel webhooks without their secrets and deletes one; its queued deliveries then FAIL visibly', async () => {
    expect((await register('hooks-gone', { url: endpoint.url, secret })).status).toBe(200);
    const listed = await harness.operator(service as ServiceUnderTest, 'GET', '/v1/channels');
    expect(listed.status).toBe(200);
    expect((listed.body as { webhooks: { channel: string; url: string }[] }).webhooks).toContainEqual(expect.objectContaining({ channel: 'hooks-gone', url: endpoint.url }));
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    expect((await harness.operator(service as ServiceUnderTest, 'DELETE', '/v1/channels/hooks-gone/webhook')).status).toBe(204);
    expect((await harness.operator(service as ServiceUnderTest, 'DELETE', '/v1/channels/hooks-gone/webhook')).status).toBe(404);
    const order = accepted(null, null, 'hooks-gone');
    await publish(bus, [order]);
    expect(await settled(service as ServiceUnderTest, order.payload.orderId)).toEqual([]);
    expect(endpoint.accepted(order.payload.orderId)).toEqual([]);
  });

  it('alerts operations once, by a signed Slack-compatible webhook and by email, when an order needs attention', async () => {
    const order = accepted(null, null, 'ops-alerts');
    const { orderId, channelOrderId } = order.payload;
    const attention = needsAttention(orderId);
    await publish(bus, [order, attention, resent(attention)]);
    const deliveries = await eventually(async () => expectCount(await settled(service as ServiceUnderTest, orderId), 2, 'deliveries'));
    expect(deliveries.map((d) => [d.statusKey, d.recipient, d.medium, d.template, d.state])).toEqual([
      ['ALERT:NEEDS_ATTENTION:RETRIES_EXHAUSTED:RESERVING', 'ops:webhook', 'WEBHOOK', 'ops-alert', 'SENT'],
      ['ALERT:NEEDS_ATTENTION:RETRIES_EXHAUSTED:RESERVING', 'ops:email', 'EMAIL', 'ops-alert', 'SENT'],
    ]);
    const [alert] = expectCount(opsAlerts(orderId), 1, 'ops webhooks');
    expect(verifySignature(opsSecret, alert?.signature, alert?.rawBody ?? '')).toBe(true);
    expect(verifySignature(secret, alert?.signature, alert?.rawBody ?? '')).toBe(false);
    expect(alert?.payload.text).toBe(`Order needs attention: ${orderId} (${channelOrderId}). Inventory did not answer <ReserveStock> 5 times & gave up`);
    expect(alert?.payload.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section']);
    expect(alert?.payload.blocks[1]?.text?.text).toBe('Inventory did not answer &lt;ReserveStock&gt; 5 times &amp; gave up');
    expect(alert?.payload.blocks[2]?.fields?.map((f) => f.text)).toEqual([
      '*Alert*\nNEEDS_ATTENTION',
      `*Order*\n${orderId}`,
      '*Problem*\nRETRIES_EXHAUSTED',
      '*Saga state*\nRESERVING',
      '*Awaiting*\nStockReserved',
      '*Attempts*\n5',
    ]);
    const [mail] = expectCount(harness.smtp.to(OPS_EMAIL).filter((m) => m.subject?.includes(orderId)), 1, 'ops emails');
    expect(mail?.subject).toBe(`[Switchyard] Order needs attention: ${orderId} (${channelOrderId})`);
    expect(mail?.text).toContain('Saga state: RESERVING');
    expect(mail?.html).toContain('<th align="left">Problem</th><td>RETRIES_EXHAUSTED</td>');
    // Operations alerts are not customer notifications.
    await harness.notifiedCaughtUp(service as ServiceUnderTest, orderId);
    expect(notified(orderId)).toEqual([]);
  });

  it('alerts operations once of an order that will miss its promised date, by the routing plan or the carrier estimate', async () => {
    const order = accepted(null, null, 'ops-sla', '2027-03-03');
    const { orderId } = order.payload;
    await publish(bus, [order, routed(orderId, [[`${orderId}-f1`, '2027-03-03', [KETTLE, MUGS]]])]);
    await groupCaughtUp(bus, 'notification', ['orders.lifecycle', 'routing.events']);
    expect(await settled(service as ServiceUnderTest, orderId)).toEqual([]); // on time: nothing
    const late = carrierSelected(orderId, `${orderId}-f1`, '2027-03-05');
    await publish(bus, [late, resent(late)]);
    await groupCaughtUp(bus, 'notification', ['carrier.events']);
    await publish(bus, [routed(orderId, [[`${orderId}-f1`, '2027-03-06', [KETTLE, MUGS]]])]); // late again: no second alert
    const deliveries = await eventually(async () => expectCount(await settled(service as ServiceUnderTest, orderId), 2, 'deliveries'));
    expect(deliveries.map((d) => [d.statusKey, d.recipient, d.state])).toEqual([
      ['ALERT:SLA_RISK', 'ops:webhook', 'SENT'],
      ['ALERT:SLA_RISK', 'ops:email', 'SENT'],
    ]);
    const [alert] = expectCount(opsAlerts(orderId), 1, 'ops webhooks');
    expect(alert?.payload.text).toContain('Order will miss its promised date');
    expect(alert?.payload.text).toContain('The carrier estimate expects delivery after the promised date 2027-03-03.');
    expect(alert?.payload.blocks[2]?.fields?.map((f) => f.text)).toContain(`*Shipment ${orderId}-f1*\nexpected 2027-03-05`);
  });

  it('alerts operations of an order whose promised date has passed unfinished, and of one held longer than the allowed age', async () => {
    const overdue = accepted(null, null, 'ops-late', '2020-01-01');
    const waiting = accepted(null, null, 'ops-ageing');
    const fresh = accepted(null, null, 'ops-ageing');
    const twoHoursAgo = Date.now() - 2 * 3_600_000;
    await publish(bus, [overdue, waiting, fresh, held(waiting.payload.orderId, 'AWAITING_STOCK', [MUGS], twoHoursAgo), held(fresh.payload.orderId, 'AWAITING_STOCK', [MUGS])]);
    const [lateAlert] = await eventually(async () => expectCount(await settled(service as ServiceUnderTest, overdue.payload.orderId), 2, 'deliveries'));
    expect(lateAlert).toMatchObject({ statusKey: 'ALERT:SLA_RISK', state: 'SENT' });
    expect(expectCount(opsAlerts(overdue.payload.orderId), 1, 'ops webhooks')[0]?.payload.text).toContain('The promised date 2020-01-01 has passed and the order is not complete.');
    const ageing = await eventually(async () => expectCount(await settled(service as ServiceUnderTest, waiting.payload.orderId), 2, 'deliveries'));
    expect(ageing.map((d) => [d.statusKey, d.recipient, d.state])).toEqual([
      [`ALERT:BACKORDER_AGEING:${twoHoursAgo}`, 'ops:webhook', 'SENT'],
      [`ALERT:BACKORDER_AGEING:${twoHoursAgo}`, 'ops:email', 'SENT'],
    ]);
    expect(expectCount(opsAlerts(waiting.payload.orderId), 1, 'ops webhooks')[0]?.payload.text).toContain('Order waiting too long');
    // Held for less than the allowed hour: nothing yet.
    expect(await settled(service as ServiceUnderTest, fresh.payload.orderId)).toEqual([]);
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
