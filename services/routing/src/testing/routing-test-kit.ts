import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AnyEvent, DecodedEvent, EventOf, EventPayload, type OrderLine } from '@switchyard/contracts';
import { type TestDatabase } from '@switchyard/infra';
import { RunningService } from '@switchyard/service-kit';
import { eventually, startServiceUnderTest, type TopicReader } from '@switchyard/service-kit/testing';
import type { Transport } from '@switchyard/messaging';
import { routingService } from '../routing.definition';

export interface RoutingUnderTest {
  readonly database: TestDatabase;
  readonly service: RunningService;
  readonly url: string;
  /** The broker in the service's own namespace (also on the embedded transport, where nothing uses it). */
  readonly transport: Transport;
  close(): Promise<void>;
}

export const OPERATOR_KEY = `operator-key-${randomUUID()}`;

/**
 * Starts the routing service in a namespace of its own, on a fresh database (dropped on close) or on `database` (left
 * for its owner); with OPERATOR_KEY as its operator key unless `withoutOperatorKey`.
 */
export async function startRouting(
  files: { network: string; ruleset?: string },
  options: { env?: Record<string, string>; database?: TestDatabase; withoutOperatorKey?: boolean } = {},
): Promise<RoutingUnderTest> {
  const operatorKey = options.withoutOperatorKey ? {} : { OPERATOR_API_KEY: OPERATOR_KEY };
  const env = { NETWORK_FILE: files.network, ...(files.ruleset ? { RULESET_FILE: files.ruleset } : {}), ...operatorKey, ...options.env };
  const started = await startServiceUnderTest(routingService, env, { database: options.database, writeLog: () => undefined });
  return { database: started.database, service: started.service, url: started.service.url, transport: started.transport, close: () => started.stop() };
}

/** The reply to one attempt of one order, whichever it is: waits for `count` of them and returns them in the order read. */
export function replyTo(reader: TopicReader, orderId: string, attempt = 1, count = 1): Promise<(EventOf<'OrderRouted'> | EventOf<'OrderUnroutable'>)[]> {
  return eventually(() => {
    const ofOrder = (payload: { orderId: string; attempt: number }) => payload.orderId === orderId && payload.attempt === attempt;
    const replies = reader.events.filter(
      (e): e is Extract<DecodedEvent, { type: 'OrderRouted' | 'OrderUnroutable' }> => (e.type === 'OrderRouted' || e.type === 'OrderUnroutable') && ofOrder(e.payload),
    );
    if (replies.length < count) throw new Error(`waiting for ${count} repl(ies) to order ${orderId} attempt ${attempt}; ${replies.length} so far`);
    return replies.map((e) => ({ type: e.type, payload: e.payload }) as EventOf<'OrderRouted'> | EventOf<'OrderUnroutable'>);
  });
}

/** A directory for this run's configuration files, removed by `remove()`. */
export function configDirectory(): { write(name: string, content: unknown): string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'routing-spec-'));
  return {
    write: (name, content) => {
      const path = join(dir, name);
      writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
      return path;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

const metadata = (correlationId: string, occurredAt: number) => ({ eventId: randomUUID(), occurredAt, correlationId, causationId: null });

/** A fixed decision time (a Friday, 10:00 UTC), so cutoffs and delivery dates never depend on when the tests run. */
export const DECISION_TIME = Date.UTC(2026, 10, 27, 10, 0, 0);

export type LineSpec = { sku: string; quantity: number; unitWeightGrams?: number; lineId?: string };

/** Events as inventory and the saga would send them. */
export const send = {
  stockLevel: (sku: string, locationId: string, available: number, occurredAt = Date.now()): EventOf<'StockLevelChanged'> => ({
    type: 'StockLevelChanged',
    payload: { metadata: metadata(`${sku}@${locationId}`, occurredAt), sku, locationId, onHand: available, reserved: 0, safetyStock: 0, available },
  }),
  routeOrder: (
    orderId: string,
    lines: readonly LineSpec[],
    options: Partial<Omit<EventPayload<'RouteOrder'>, 'metadata' | 'orderId' | 'lines'>> & { occurredAt?: number } = {},
  ): EventOf<'RouteOrder'> => {
    const { occurredAt = DECISION_TIME, ...rest } = options;
    const orderLines: OrderLine[] = lines.map((line, i) => ({
      lineId: line.lineId ?? `${i + 1}`,
      sku: line.sku,
      quantity: line.quantity,
      unitWeightGrams: line.unitWeightGrams ?? null,
      unitPrice: { amount: '10.0000', currency: 'EUR' },
    }));
    return {
      type: 'RouteOrder',
      payload: {
        metadata: metadata(orderId, occurredAt),
        orderId,
        attempt: 1,
        channel: 'web',
        market: 'GB',
        customerTier: 'standard',
        customerPriority: 0,
        destination: {
          recipientName: 'A. Customer',
          line1: '1 High Street',
          line2: null,
          city: 'London',
          region: null,
          postalCode: 'EC1A 1AA',
          countryCode: 'GB',
          coordinates: { latitude: 51.52, longitude: -0.1 },
        },
        serviceLevel: 'STANDARD',
        promisedDate: null,
        backOrderPolicy: 'HOLD',
        lines: orderLines,
        excludedLocationIds: [],
        ...rest,
      },
    };
  },
};

type Shipment = EventPayload<'OrderRouted'>['plan']['shipments'][number];
const items = (shipment: Shipment) => shipment.lines.map(({ lineId, sku, quantity }) => ({ lineId, sku, quantity, locationId: shipment.locationId }));

/** What the saga, inventory and the locations say about a plan afterwards: whether it goes ahead. */
export const planNews = {
  orderCancelled: (orderId: string, lines: Shipment['lines'] = []): EventOf<'OrderCancelled'> => ({
    type: 'OrderCancelled',
    payload: { metadata: metadata(orderId, Date.now()), orderId, reason: 'CUSTOMER_REQUEST', cancelledLines: lines, detail: null },
  }),
  stockReserved: (orderId: string, reservationId: string, shipment: Shipment): EventOf<'StockReserved'> => ({
    type: 'StockReserved',
    payload: { metadata: metadata(orderId, Date.now()), orderId, reservationId, items: items(shipment) },
  }),
  reservationFailed: (orderId: string, reservationId: string, shipment: Shipment): EventOf<'StockReservationFailed'> => ({
    type: 'StockReservationFailed',
    payload: {
      metadata: metadata(orderId, Date.now()),
      orderId,
      reservationId,
      reason: 'INSUFFICIENT_STOCK',
      shortItems: shipment.lines.map(({ lineId, sku, quantity }) => ({ lineId, sku, locationId: shipment.locationId, requested: quantity, available: 0 })),
    },
  }),
  reservationReleased: (orderId: string, reservationId: string, shipment: Shipment): EventOf<'ReservationReleased'> => ({
    type: 'ReservationReleased',
    payload: { metadata: metadata(orderId, Date.now()), orderId, reservationId, items: items(shipment) },
  }),
  fulfilmentRejected: (orderId: string, shipment: Shipment, rejectedLines: Shipment['lines'] = shipment.lines): EventOf<'FulfilmentRejected'> => ({
    type: 'FulfilmentRejected',
    payload: { metadata: metadata(orderId, Date.now()), orderId, fulfilmentId: shipment.shipmentId, locationId: shipment.locationId, reason: 'OUT_OF_STOCK', rejectedLines, detail: null },
  }),
  fulfilmentCancelled: (orderId: string, shipment: Shipment): EventOf<'FulfilmentCancelled'> => ({
    type: 'FulfilmentCancelled',
    payload: { metadata: metadata(orderId, Date.now()), orderId, fulfilmentId: shipment.shipmentId, locationId: shipment.locationId },
  }),
  shipmentDispatched: (orderId: string, shipment: Shipment): EventOf<'ShipmentDispatched'> => ({
    type: 'ShipmentDispatched',
    payload: {
      metadata: metadata(orderId, Date.now()),
      orderId,
      fulfilmentId: shipment.shipmentId,
      locationId: shipment.locationId,
      carrier: { carrierId: 'tablerate', serviceCode: 'STANDARD' },
      trackingNumber: `TRK-${shipment.shipmentId}`,
      trackingUrl: null,
      lines: shipment.lines,
    },
  }),
};

/** The same command sent again as a new message (the saga's retry after its deadline). */
export const resent = <T extends AnyEvent>(event: T): T => ({ ...event, payload: { ...event.payload, metadata: { ...event.payload.metadata, eventId: randomUUID() } } });
