import { createTestDatabase, type TestDatabase } from '@switchyard/infra';
import { eventually, expectCount, groupCaughtUp, publish, type ServiceUnderTest } from '@switchyard/service-kit/testing';
import { accepted, dispatched, KETTLE, NotificationHarness } from './testing/notification-test-kit';

// Customer preferences and erasure, on real Kafka, PostgreSQL and SMTP. Retries wait 10 minutes here, so a
// refused email stays queued (PENDING) while the test looks at it.
const harness = new NotificationHarness();
const { bus } = harness;
let database: TestDatabase;
let service: ServiceUnderTest;
const log: string[] = [];

beforeAll(async () => {
  await harness.setUp();
  database = await createTestDatabase('notification customers');
  service = await harness.start(database, { DELIVERY_BACKOFF_MS: '600000', LOG_LEVEL: 'debug' }, log);
});

afterAll(async () => {
  await service?.service.close();
  await database?.drop();
  await harness.tearDown();
});

const operator = (method: string, path: string, body?: unknown) => harness.operator(service, method, path, body);
const contactRow = async (orderId: string) =>
  ((await service.service.dataSource.query(`SELECT email, locale, erased_at FROM notification.order_contacts WHERE order_id = $1`, [orderId])) as { email: string | null; locale: string | null; erased_at: Date | null }[])[0];

describe('customer preferences', () => {
  it('sends nothing to a customer who opted out of all email', async () => {
    const order = accepted('quiet@example.org', 'de-DE');
    const { orderId, channel, customer } = order.payload;
    expect((await operator('PUT', '/v1/preferences', { channel, contactReference: customer.contactReference, emailOptOut: ['ALL'], locale: null })).status).toBe(200);
    await publish(bus, [order]);
    await groupCaughtUp(bus, 'notification', ['orders.lifecycle']);
    await publish(bus, [dispatched(orderId, `${orderId}-f1`, 'TRK0400', [KETTLE])]);
    expect(await harness.settled(service, orderId)).toEqual([]);
    await harness.notifiedCaughtUp(service, orderId);
    expect(harness.notified(orderId)).toEqual([]);
    expect(harness.smtp.to('quiet@example.org')).toEqual([]);
  });

  it('sends only the categories not opted out of, in the language the customer chose', async () => {
    const order = accepted('choosy@example.org', 'en-GB');
    const { orderId, channel, channelOrderId, customer } = order.payload;
    const wishes = { channel, contactReference: customer.contactReference, emailOptOut: ['DISPATCHED'], locale: 'de-DE' };
    expect(await operator('PUT', '/v1/preferences', wishes)).toEqual({ status: 200, body: wishes });
    expect(await operator('GET', `/v1/preferences?channel=${channel}&contactReference=${encodeURIComponent(customer.contactReference)}`)).toEqual({ status: 200, body: wishes });
    await publish(bus, [order]);
    await groupCaughtUp(bus, 'notification', ['orders.lifecycle']);
    await publish(bus, [dispatched(orderId, `${orderId}-f1`, 'TRK0401', [KETTLE])]);
    const [delivery] = await eventually(async () => expectCount(await harness.settled(service, orderId), 1, 'deliveries'));
    expect(delivery).toMatchObject({ statusKey: 'ACCEPTED', state: 'SENT' });
    const [mail] = expectCount(harness.smtp.to('choosy@example.org'), 1, 'mails');
    expect(mail?.subject).toBe(`Wir haben Ihre Bestellung ${channelOrderId} erhalten`);
    expect(mail?.language).toBe('de');
  });

  it('refuses preferences it cannot apply, naming each problem', async () => {
    const response = await operator('PUT', '/v1/preferences', { channel: 'web de', emailOptOut: ['NEWSLETTER'], locale: 'German!' });
    expect(response.status).toBe(400);
    expect((response.body as { errors: string[] }).errors).toEqual([
      'channel: 1-100 letters, digits, "_" or "-"',
      "contactReference: the channel's contact reference, 1-200 characters",
      'emailOptOut: a list of ALL, ACCEPTED, REJECTED, SPLIT, HELD, DISPATCHED, CANCELLED (empty: every email)',
      "locale: a BCP 47 language tag such as de-DE, or null for the order's own",
    ]);
  });
});

describe('erasure', () => {
  it('erases an order\'s contact data, stops its queued email and sends no email for its later events', async () => {
    const order = accepted('erase-me@example.org', 'de-DE');
    const { orderId } = order.payload;
    harness.smtp.refuse.add('erase-me@example.org');
    await publish(bus, [order]);
    // Refused once (recorded, not merely claimed): queued again in ten minutes.
    const [queued] = await eventually(async () => {
      const found = expectCount(await harness.deliveriesOf(service, orderId), 1, 'deliveries');
      if (found[0]?.attempts !== 1 || found[0].lastError === null) throw new Error('first try not recorded yet');
      return found;
    });
    expect(queued).toMatchObject({ state: 'PENDING', attempts: 1 });

    expect(await operator('POST', '/v1/erasures', { orderId })).toEqual({ status: 200, body: { orders: [orderId], preferencesDeleted: false, deliveriesStopped: 1 } });
    expect(await contactRow(orderId)).toEqual({ email: null, locale: null, erased_at: expect.any(Date) });
    const [stopped] = await harness.deliveriesOf(service, orderId);
    expect(stopped).toMatchObject({ deliveryId: queued?.deliveryId, state: 'FAILED', lastError: 'erased' });
    expect((await operator('POST', `/v1/deliveries/${queued?.deliveryId}/redeliver`)).status).toBe(409);

    // A redelivered acceptance does not bring the address back; a later event sends nothing.
    await publish(bus, [order, dispatched(orderId, `${orderId}-f1`, 'TRK0500', [KETTLE])]);
    expect((await harness.settled(service, orderId)).map((d) => d.statusKey)).toEqual(['ACCEPTED']);
    expect(await contactRow(orderId)).toMatchObject({ email: null });
    expect(harness.smtp.to('erase-me@example.org')).toEqual([]);
  });

  it('erases every order and the preferences of a contact, and never writes an address to the log', async () => {
    const first = accepted('whole-person@example.org', 'en-GB');
    const { channel, customer } = first.payload;
    const other = accepted(null, null);
    const second = { ...other, payload: { ...other.payload, channel, customer } }; // another order of the same person
    expect((await operator('PUT', '/v1/preferences', { channel, contactReference: customer.contactReference, emailOptOut: ['HELD'], locale: null })).status).toBe(200);
    await publish(bus, [first, second]);
    await eventually(() => expectCount(harness.smtp.to('whole-person@example.org'), 2, 'mails'));
    // The mail server has them; the erasure must come after both are recorded SENT, or it would stop one in flight.
    for (const { payload } of [first, second]) expect((await harness.settled(service, payload.orderId)).map((d) => d.state)).toEqual(['SENT']);

    const erased = await operator('POST', '/v1/erasures', { channel, contactReference: customer.contactReference });
    expect(erased.status).toBe(200);
    expect(erased.body).toMatchObject({ preferencesDeleted: true, deliveriesStopped: 0 });
    expect([...(erased.body as { orders: string[] }).orders].sort()).toEqual([first.payload.orderId, second.payload.orderId].sort());
    expect(await contactRow(first.payload.orderId)).toMatchObject({ email: null, locale: null });
    expect(await contactRow(second.payload.orderId)).toMatchObject({ email: null, locale: null });
    expect((await operator('GET', `/v1/preferences?channel=${channel}&contactReference=${encodeURIComponent(customer.contactReference)}`)).status).toBe(404);

    expect(log.length).toBeGreaterThan(0);
    expect(log.filter((line) => /@example\.org/.test(line))).toEqual([]);
  });

  it('refuses an erasure that names no one, saying what to give', async () => {
    const response = await operator('POST', '/v1/erasures', { channel: 'web-de' });
    expect(response.status).toBe(400);
    expect((response.body as { errors: string[] }).errors).toEqual(['channel and contactReference: give both, or neither', 'give orderId, or channel and contactReference, or all three']);
  });
});
