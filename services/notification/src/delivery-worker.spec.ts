import { createTestDatabase, type TestDatabase } from '@switchyard/infra';
import { eventually, expectCount, groupCaughtUp, publish, type ServiceUnderTest } from '@switchyard/service-kit/testing';
import { Client } from 'pg';
import type { DeliveryView } from './deliveries';
import { accepted, dispatched, KETTLE, NotificationHarness, STATUS_TOPICS } from './testing/notification-test-kit';
import { WebhookReceiver } from './testing/webhook-receiver';

// Claim → send → record on real Kafka, PostgreSQL, SMTP and HTTP: sends run with no transaction open, several at a
// time, and a claim whose outcome never comes (its lease runs out) is sent again with the same id, recorded once.
const harness = new NotificationHarness();
const { bus } = harness;
const secret = `whsec-${'x'.repeat(40)}`;
let database: TestDatabase;
let service: ServiceUnderTest | undefined;
const log: string[] = [];
// Long send timeouts: a held reply hangs for as long as the test keeps it, not until a timeout ends it.
const hanging = { WEBHOOK_TIMEOUT_MS: '120000', SMTP_TIMEOUT_MS: '120000', LOG_LEVEL: 'info' };

const live = () => service as ServiceUnderTest;
const register = async (channel: string, url: string) => expect((await harness.operator(live(), 'PUT', `/v1/channels/${channel}/webhook`, { url, secret })).status).toBe(200);
const logged = (message: string, deliveryId: string | undefined) => log.filter((line) => line.includes(message) && deliveryId !== undefined && line.includes(deliveryId));
const deliveryOf = async (orderId: string, medium: DeliveryView['medium']) => (await harness.deliveriesOf(live(), orderId)).find((d) => d.medium === medium);

/** Whether another transaction could lock the order's delivery rows right now (FOR UPDATE NOWAIT fails on a held lock). */
async function rowsLockable(orderId: string): Promise<boolean> {
  try {
    await live().service.dataSource.transaction((em) => em.query(`SELECT 1 FROM notification.deliveries WHERE order_id = $1 FOR UPDATE NOWAIT`, [orderId]));
    return true;
  } catch {
    return false;
  }
}

/** Connections to the service's database that sit in an open transaction doing nothing. */
const idleInTransaction = async () =>
  (await live().service.dataSource.query(`SELECT pid, query FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`)) as { pid: number; query: string }[];

beforeAll(async () => {
  await harness.setUp();
  database = await createTestDatabase('notification worker');
  service = await harness.start(database, hanging, log);
});

afterAll(async () => {
  await service?.service.close();
  await database?.drop();
  await harness.tearDown();
});

describe('sending outside any transaction, several at a time', () => {
  it("keeps sending other orders' messages while a webhook hangs and the mail server sits on one message, with no transaction open", async () => {
    const slow = await WebhookReceiver.start();
    const fast = await WebhookReceiver.start();
    const webhookHeld = slow.holdNext();
    const mailHeld = harness.smtp.holdNext('slow-mail@example.org');
    try {
      await register('worker-slow', slow.url);
      await register('worker-fast', fast.url);
      const stuck = accepted('slow-mail@example.org', null, 'worker-slow');
      await publish(bus, [stuck]);
      await groupCaughtUp(bus, 'notification', STATUS_TOPICS);
      // The email is out (queued first): while its send waits, its row is not locked and no connection waits in a transaction.
      await mailHeld.arrived;
      expect(await rowsLockable(stuck.payload.orderId)).toBe(true);
      await eventually(async () => expect(await idleInTransaction()).toEqual([]), 10_000);
      // ... and the webhook goes out beside it, not after it.
      await webhookHeld.arrived;

      // Other orders' webhook and email go out meanwhile.
      const other = accepted('fine@example.org', null, 'worker-fast');
      await publish(bus, [other]);
      await eventually(() => expectCount(fast.accepted(other.payload.orderId), 1, 'webhook of the other order'));
      await eventually(() => expectCount(harness.smtp.to('fine@example.org'), 1, 'email of the other order'));
      expect((await harness.settled(live(), other.payload.orderId)).map((d) => [d.medium, d.state, d.attempts]).sort()).toEqual([
        ['EMAIL', 'SENT', 1],
        ['WEBHOOK', 'SENT', 1],
      ]);

      // The stuck ones are still being sent (claimed, one try counted) until their receivers answer.
      expect((await harness.deliveriesOf(live(), stuck.payload.orderId)).map((d) => [d.medium, d.state, d.attempts]).sort()).toEqual([
        ['EMAIL', 'PENDING', 1],
        ['WEBHOOK', 'PENDING', 1],
      ]);
      expect(slow.requests).toEqual([]);
      expect(harness.smtp.to('slow-mail@example.org')).toEqual([]);
      webhookHeld.release();
      mailHeld.release();
      const sent = await harness.settled(live(), stuck.payload.orderId);
      expect(sent.map((d) => [d.medium, d.state, d.attempts]).sort()).toEqual([
        ['EMAIL', 'SENT', 1],
        ['WEBHOOK', 'SENT', 1],
      ]);
      expect(expectCount(harness.smtp.to('slow-mail@example.org'), 1, 'mails')[0]?.messageId).toBe(`<${sent.find((d) => d.medium === 'EMAIL')?.deliveryId}@notification.switchyard>`);
      await eventually(() => expectCount(harness.notified(stuck.payload.orderId), 2, 'CustomerNotified'));
    } finally {
      webhookHeld.release();
      mailHeld.release();
      await slow.stop();
      await fast.stop();
    }
  });

  it("keeps the queue order of one order's messages to one recipient, while other orders' go past", async () => {
    const endpoint = await WebhookReceiver.start();
    const held = endpoint.holdNext();
    try {
      await register('worker-order', endpoint.url);
      const order = accepted(null, null, 'worker-order');
      const { orderId } = order.payload;
      await publish(bus, [order]);
      await held.arrived;
      // The acceptance hangs; the dispatch is queued behind it, another order of the same channel is not.
      await publish(bus, [dispatched(orderId, `${orderId}-f1`, 'TRK0600', [KETTLE])]);
      await groupCaughtUp(bus, 'notification', STATUS_TOPICS);
      const other = accepted(null, null, 'worker-order');
      await publish(bus, [other]);
      await eventually(() => expectCount(endpoint.accepted(other.payload.orderId), 1, "the other order's webhook"));
      expect((await harness.deliveriesOf(live(), orderId)).map((d) => [d.statusKey, d.state, d.attempts])).toEqual([
        ['ACCEPTED', 'PENDING', 1],
        [`DISPATCHED:${orderId}-f1`, 'PENDING', 0],
      ]);
      held.release();
      await eventually(() => expectCount(endpoint.accepted(orderId), 2, 'webhooks'));
      expect(endpoint.accepted(orderId).map((r) => r.body.status)).toEqual(['ACCEPTED', `DISPATCHED:${orderId}-f1`]);
      const told = await eventually(() => expectCount(harness.notified(orderId), 2, 'CustomerNotified'));
      expect(told.map((e) => e.payload.triggeredBy)).toEqual(['OrderAccepted', 'ShipmentDispatched']);
    } finally {
      held.release();
      await endpoint.stop();
    }
  });

  it('stops an email being sent when the customer is erased: the send cannot be called back, but it stays FAILED "erased" and tells no one', async () => {
    const order = accepted('erased-in-flight@example.org', 'en-GB');
    const { orderId } = order.payload;
    const held = harness.smtp.holdNext('erased-in-flight@example.org');
    try {
      await publish(bus, [order]);
      await held.arrived;
      const erasure = await harness.operator(live(), 'POST', '/v1/erasures', { orderId });
      expect(erasure).toEqual({ status: 200, body: { orders: [orderId], preferencesDeleted: false, deliveriesStopped: 1 } });
      held.release();
      // The mail server got it (it was on the wire); the outcome of that send is dropped, not recorded over the erasure.
      await eventually(() => expectCount(harness.smtp.to('erased-in-flight@example.org'), 1, 'mails'));
      const stopped = await deliveryOf(orderId, 'EMAIL');
      await eventually(() => expectCount(logged('outcome of a send not recorded', stopped?.deliveryId), 1, 'log lines'));
      expect(await deliveryOf(orderId, 'EMAIL')).toMatchObject({ state: 'FAILED', lastError: 'erased', attempts: 1 });
      await harness.notifiedCaughtUp(live(), orderId);
      expect(harness.notified(orderId)).toEqual([]);
      expect((await harness.operator(live(), 'POST', `/v1/deliveries/${stopped?.deliveryId}/redeliver`)).status).toBe(409);
    } finally {
      held.release();
    }
  });

  it('waits, when stopped, for a send in flight and records it', async () => {
    const endpoint = await WebhookReceiver.start();
    const held = endpoint.holdNext();
    try {
      await register('worker-stop', endpoint.url);
      const order = accepted(null, null, 'worker-stop');
      await publish(bus, [order]);
      await held.arrived;
      let closed = false;
      const stopping = live().service.close().then(() => (closed = true));
      await eventually(() => expect(log.some((line) => line.includes('waiting for deliveries being sent before stopping'))).toBe(true));
      // Time in which a close that did not wait would finish (and its database go away before the outcome is recorded).
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(closed).toBe(false);
      held.release();
      await stopping;
      service = undefined;
      const client = new Client({ connectionString: database.url });
      await client.connect();
      try {
        const { rows } = await client.query(`SELECT state, attempts, claim_token FROM notification.deliveries WHERE order_id = $1`, [order.payload.orderId]);
        expect(rows).toEqual([{ state: 'SENT', attempts: 1, claim_token: null }]);
      } finally {
        await client.end();
      }
      expectCount(endpoint.accepted(order.payload.orderId), 1, 'webhooks');
    } finally {
      held.release();
      await endpoint.stop();
    }
  });
});

describe('a claim whose lease runs out', () => {
  beforeAll(async () => {
    // A short lease, far shorter than the send timeout: a hanging send outlives its claim.
    await service?.service.close();
    service = await harness.start(database, { ...hanging, DELIVERY_LEASE_MS: '3000' }, log);
  });

  it('is sent again with the same delivery id and recorded once; the late outcome of the first try is dropped', async () => {
    const endpoint = await WebhookReceiver.start();
    const held = endpoint.holdNext();
    try {
      await register('worker-lease', endpoint.url);
      const order = accepted(null, null, 'worker-lease');
      const { orderId } = order.payload;
      await publish(bus, [order]);
      await held.arrived;
      // The first try hangs; once its lease has run out the delivery is claimed and sent again.
      await eventually(() => expectCount(endpoint.accepted(orderId), 1, 'webhooks answered'));
      const [delivery] = expectCount(await harness.settled(live(), orderId), 1, 'deliveries');
      expect(delivery).toMatchObject({ state: 'SENT', attempts: 2, lastError: null });
      expectCount(logged('recorded no outcome before its lease ran out', delivery?.deliveryId), 1, 'log lines');
      const [told] = await eventually(() => expectCount(harness.notified(orderId), 1, 'CustomerNotified'));
      expect(told?.payload.notificationId).toBe(delivery?.deliveryId);

      // The first try comes back at last: its outcome belongs to a claim that ran out, so it changes nothing.
      held.release();
      await eventually(() => expectCount(logged('outcome of a send not recorded', delivery?.deliveryId), 1, 'log lines'));
      expect(endpoint.requests.map((r) => r.deliveryId)).toEqual([delivery?.deliveryId, delivery?.deliveryId]);
      expect(await harness.deliveriesOf(live(), orderId)).toEqual([delivery]);
      await harness.notifiedCaughtUp(live(), orderId);
      expectCount(harness.notified(orderId), 1, 'CustomerNotified');
    } finally {
      held.release();
      await endpoint.stop();
    }
  });
});
