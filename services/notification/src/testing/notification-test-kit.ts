import { randomUUID } from 'node:crypto';
import type { EventOf, LineQuantity } from '@switchyard/contracts';
import type { TestDatabase } from '@switchyard/infra';
import { OUTBOX_TABLE } from '@switchyard/messaging';
import { eventually, groupCaughtUp, startServiceUnderTest, testTransport, TopicReader, uniqueNamespace, type ServiceUnderTest } from '@switchyard/service-kit/testing';
import type { DeliveryView } from '../deliveries';
import { notificationService } from '../notification.definition';
import { SmtpReceiver } from './smtp-receiver';

// Events as the other services publish them, and the notification service on real Kafka, PostgreSQL and SMTP.

export const meta = (orderId: string, occurredAt = Date.now()) => ({ eventId: randomUUID(), occurredAt, correlationId: orderId, causationId: null });

/** The same event again under a new event id (a re-sent event, a replay): the inbox does not catch it, the delivery key must. */
export const resent = <E extends { payload: { orderId: string; metadata: unknown } }>(event: E): E => ({ ...event, payload: { ...event.payload, metadata: meta(event.payload.orderId) } });

export const customer = (email: string | null, locale: string | null) => ({ customerId: 'cus-1', tier: 'gold', priority: 0, contactReference: `crm:contact/${randomUUID().slice(0, 8)}`, email, locale });

export function accepted(email: string | null, locale: string | null, channel = 'web-de', promisedDate: string | null = null): EventOf<'OrderAccepted'> {
  const orderId = `ord-${randomUUID()}`;
  return {
    type: 'OrderAccepted',
    payload: {
      metadata: meta(orderId),
      orderId,
      channel,
      channelOrderId: `WEB-${randomUUID().slice(0, 8)}`,
      market: 'DE',
      customer: customer(email, locale),
      destination: { recipientName: 'Kim Weber', line1: 'Torstraße 12', line2: null, city: 'Berlin', region: null, postalCode: '10119', countryCode: 'DE', coordinates: null },
      serviceLevel: 'STANDARD',
      promisedDate,
      backOrderPolicy: 'SPLIT',
      lines: [
        { lineId: 'l1', sku: 'SKU-KETTLE', quantity: 1, unitWeightGrams: 1450, unitPrice: { amount: '39.99', currency: 'EUR' } },
        { lineId: 'l2', sku: 'SKU-MUG', quantity: 4, unitWeightGrams: 300, unitPrice: { amount: '7.50', currency: 'EUR' } },
      ],
    },
  };
}

export const KETTLE: LineQuantity = { lineId: 'l1', sku: 'SKU-KETTLE', quantity: 1 };
export const MUGS: LineQuantity = { lineId: 'l2', sku: 'SKU-MUG', quantity: 4 };

export const dispatched = (orderId: string, fulfilmentId: string, trackingNumber: string, lines: LineQuantity[]): EventOf<'ShipmentDispatched'> => ({
  type: 'ShipmentDispatched',
  payload: { metadata: meta(orderId), orderId, fulfilmentId, locationId: 'dc-berlin', carrier: { carrierId: 'dhl', serviceCode: 'PAKET' }, trackingNumber, trackingUrl: `https://track.example/${trackingNumber}`, lines },
});

export const cancelled = (orderId: string, lines: LineQuantity[]): EventOf<'OrderCancelled'> => ({
  type: 'OrderCancelled',
  payload: { metadata: meta(orderId), orderId, reason: 'OUT_OF_STOCK', cancelledLines: lines, detail: null },
});

/** A plan: each shipment is [shipmentId, estimated delivery, lines]. */
export const routed = (orderId: string, shipments: [string, string, LineQuantity[]][], backOrderedLines: LineQuantity[] = [], occurredAt = Date.now()): EventOf<'OrderRouted'> => ({
  type: 'OrderRouted',
  payload: {
    metadata: meta(orderId, occurredAt),
    orderId,
    attempt: 1,
    plan: {
      shipments: shipments.map(([shipmentId, estimatedDelivery, lines]) => ({ shipmentId, locationId: 'dc-berlin', lines, estimatedCost: { amount: '5.00', currency: 'EUR' }, estimatedDelivery })),
      backOrderedLines,
      totalEstimatedCost: { amount: '10.00', currency: 'EUR' },
    },
    explanation: { decisionId: randomUUID(), rulesetId: 'default', rulesetVersion: 1, summary: 'nearest stock', candidatesConsidered: 3 },
  },
});

export const held = (orderId: string, reason: EventOf<'OrderHeld'>['payload']['reason'], lines: LineQuantity[], occurredAt = Date.now()): EventOf<'OrderHeld'> => ({
  type: 'OrderHeld',
  payload: { metadata: meta(orderId, occurredAt), orderId, reason, heldLines: lines, heldBy: null, reviewAt: null },
});

export const released = (orderId: string): EventOf<'OrderReleased'> => ({ type: 'OrderReleased', payload: { metadata: meta(orderId), orderId, releasedBy: null, note: null } });

export const completed = (orderId: string, shipments: [string, string, LineQuantity[]][]): EventOf<'OrderCompleted'> => ({
  type: 'OrderCompleted',
  payload: {
    metadata: meta(orderId),
    orderId,
    shipments: shipments.map(([fulfilmentId, trackingNumber, lines]) => ({ fulfilmentId, locationId: 'dc-berlin', carrier: { carrierId: 'dhl', serviceCode: 'PAKET' }, trackingNumber, lines })),
    cancelledLines: [],
  },
});

export const carrierSelected = (orderId: string, shipmentId: string, estimatedDelivery: string): EventOf<'CarrierSelected'> => ({
  type: 'CarrierSelected',
  payload: { metadata: meta(orderId), orderId, selections: [{ shipmentId, carrier: { carrierId: 'dhl', serviceCode: 'PAKET' }, quotedCost: { amount: '4.90', currency: 'EUR' }, estimatedDelivery }] },
});

export const needsAttention = (orderId: string): EventOf<'OrderNeedsAttention'> => ({
  type: 'OrderNeedsAttention',
  payload: { metadata: meta(orderId), orderId, sagaState: 'RESERVING', problem: 'RETRIES_EXHAUSTED', awaiting: 'StockReserved', attempts: 5, detail: 'Inventory did not answer <ReserveStock> 5 times & gave up' },
});

export const rejected = (email: string | null, channel = 'web-de'): EventOf<'OrderRejected'> => {
  const orderId = `ord-${randomUUID()}`;
  return {
    type: 'OrderRejected',
    payload: { metadata: meta(orderId), orderId, channel, channelOrderId: `WEB-${randomUUID().slice(0, 8)}`, reason: 'UNKNOWN_SKU', detail: 'line 2: SKU-NOPE is not sold', customer: email === null ? null : customer(email, 'en-GB') },
  };
};

export const STATUS_TOPICS = ['orders.lifecycle', 'fulfilment.events', 'routing.events', 'carrier.events'];

/** One spec file's broker namespace, SMTP server, CustomerNotified reader and operator key. */
export class NotificationHarness {
  readonly namespace = uniqueNamespace('spec-notification');
  readonly bus = testTransport(this.namespace);
  readonly operatorKey = `spec-operator-key-${randomUUID()}`;
  smtp!: SmtpReceiver;
  reader!: TopicReader;

  async setUp(): Promise<void> {
    this.smtp = await SmtpReceiver.start();
    this.reader = await TopicReader.start(this.bus, ['notification.events']);
  }

  async tearDown(): Promise<void> {
    await this.reader?.stop();
    await this.smtp?.stop();
  }

  /** Starts the service on `database`; its log lines go to `log` when given (else nowhere). */
  start(database: TestDatabase, env: Record<string, string> = {}, log?: string[]): Promise<ServiceUnderTest> {
    return startServiceUnderTest(
      notificationService,
      {
        TOPIC_NAMESPACE: this.namespace,
        SMTP_URL: this.smtp.url,
        MAIL_FROM: 'Shop <orders@shop.example>',
        DELIVERY_SCAN_INTERVAL_MS: '50',
        DELIVERY_BACKOFF_MS: '50',
        DELIVERY_MAX_ATTEMPTS: '3',
        ALERT_SCAN_INTERVAL_MS: '50',
        OPERATOR_KEY: this.operatorKey,
        ...env,
      },
      { database, writeLog: (line) => log?.push(line) },
    );
  }

  notified(orderId: string) {
    return this.reader.of('CustomerNotified', (p) => p.orderId === orderId);
  }

  /**
   * Everything the service recorded for the order so far has left its outbox and been read: after this, what
   * `notified(orderId)` lacks was never published (so a negative assertion on it cannot pass merely too early).
   */
  async notifiedCaughtUp(service: ServiceUnderTest, orderId: string): Promise<void> {
    await eventually(async () => {
      const [row]: { waiting: number }[] = await service.service.dataSource.query(`SELECT count(*)::int AS waiting FROM notification.${OUTBOX_TABLE} WHERE message_key = $1`, [orderId]);
      const waiting = row?.waiting ?? 0;
      if (waiting > 0) throw new Error(`${waiting} event(s) of ${orderId} still in the outbox`);
    });
    await this.reader.caughtUp();
  }

  /** An operator call: method, path, JSON body; answers status and parsed body. */
  async operator(service: ServiceUnderTest, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${service.service.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.operatorKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  }

  async deliveriesOf(service: ServiceUnderTest, orderId: string): Promise<DeliveryView[]> {
    const { status, body } = await this.operator(service, 'GET', `/v1/deliveries?orderId=${encodeURIComponent(orderId)}`);
    if (status !== 200) throw new Error(`GET /v1/deliveries answered ${status}`);
    return (body as { deliveries: DeliveryView[] }).deliveries;
  }

  /** Everything published so far is applied, and nothing of the order is waiting to be sent: no message can still come. */
  async settled(service: ServiceUnderTest, orderId: string): Promise<DeliveryView[]> {
    await groupCaughtUp(this.bus, 'notification', STATUS_TOPICS);
    return eventually(async () => {
      const deliveries = await this.deliveriesOf(service, orderId);
      if (deliveries.some((d) => d.state === 'PENDING')) throw new Error(`deliveries of ${orderId} still pending`);
      return deliveries;
    });
  }
}
