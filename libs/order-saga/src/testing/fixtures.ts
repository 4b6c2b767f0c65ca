import type {
  Address, BackOrderPolicy, CancellationReason, Customer, EventMetadata, EventPayload, EventType, FulfilmentRejectionReason, LineQuantity,
  Money, OrderLine, PlannedShipment, UnroutableReason,
} from '@switchyard/contracts';
import type { HoldOrder, Received, ReleaseOrder, RerouteOrder, TimerElapsed } from '../inputs';

// Inputs for saga specifications: one order of three lines, its replies and operations commands.

export const ORDER_ID = 'ord-100';
export const T0 = 1_800_000_000_000;
export const carrier = { carrierId: 'dhl', serviceCode: 'PARCEL' };

const eur = (amount: string): Money => ({ amount, currency: 'EUR' });
export const customer: Customer = { customerId: 'c-1', tier: 'gold', priority: 2, contactReference: 'crm:1', email: null, locale: 'de-DE' };
export const destination: Address = {
  recipientName: 'Kim Weber', line1: 'Torstraße 12', line2: null, city: 'Berlin', region: null, postalCode: '10119', countryCode: 'DE', coordinates: null,
};
export const orderLines: OrderLine[] = [
  { lineId: 'l1', sku: 'KETTLE', quantity: 1, unitWeightGrams: 1450, unitPrice: eur('39.9900') },
  { lineId: 'l2', sku: 'MUG', quantity: 4, unitWeightGrams: 300, unitPrice: eur('7.5000') },
  { lineId: 'l3', sku: 'TEAPOT', quantity: 2, unitWeightGrams: null, unitPrice: eur('24.0000') },
];

/** Line quantities, e.g. q('l1', 1), for plans, reservations and dispatches. */
export function q(lineId: string, quantity?: number): LineQuantity {
  const line = orderLines.find((l) => l.lineId === lineId);
  if (!line) throw new Error(`no fixture line ${lineId}`);
  return { lineId, sku: line.sku, quantity: quantity ?? line.quantity };
}
export const allLines = (): LineQuantity[] => orderLines.map((l) => q(l.lineId));

let counter = 0;
const nextId = () => `in-${++counter}`;
const meta = (): EventMetadata => ({ eventId: nextId(), occurredAt: T0, correlationId: ORDER_ID, causationId: null });

export function received<T extends EventType>(type: T, payload: Omit<EventPayload<T>, 'metadata'>, now: number): Received<T> {
  return { type, payload: { metadata: meta(), ...payload } as EventPayload<T>, now } as Received<T>;
}

export const accepted = (backOrderPolicy: BackOrderPolicy = 'HOLD', lines: OrderLine[] = orderLines, now = T0) =>
  received('OrderAccepted', {
    orderId: ORDER_ID, channel: 'web-de', channelOrderId: 'WEB-1', market: 'DE', customer, destination, serviceLevel: 'STANDARD',
    promisedDate: null, backOrderPolicy, lines,
  }, now);

export const intakeRejected = (now = T0) =>
  received('OrderRejected', { orderId: ORDER_ID, channel: 'web-de', channelOrderId: 'WEB-1', reason: 'UNKNOWN_SKU', detail: 'line l9', customer: null }, now);

export const shipment = (shipmentId: string, locationId: string, lines: LineQuantity[]): PlannedShipment => ({
  shipmentId, locationId, lines, estimatedCost: eur('5.0000'), estimatedDelivery: '2027-01-20',
});

export const routed = (attempt: number, shipments: PlannedShipment[], backOrderedLines: LineQuantity[] = [], now = T0) =>
  received('OrderRouted', {
    orderId: ORDER_ID, attempt, plan: { shipments, backOrderedLines, totalEstimatedCost: eur('10.0000') },
    explanation: { decisionId: `dec-${attempt}`, rulesetId: 'eu', rulesetVersion: 1, summary: 'cheapest', candidatesConsidered: 3 },
  }, now);

export const unroutable = (attempt: number, lines: LineQuantity[], reason: UnroutableReason = 'NO_STOCK', now = T0) =>
  received('OrderUnroutable', { orderId: ORDER_ID, attempt, reason, unplaceableLines: lines, decisionId: `dec-${attempt}`, summary: 'no ATP' }, now);

export const items = (locationId: string, lines: LineQuantity[]) => lines.map((l) => ({ ...l, locationId }));

export const reservationId = (n: number) => `${ORDER_ID}/reservation/${n}`;

export const stockReserved = (reservation: number, locationId: string, lines: LineQuantity[], now = T0) =>
  received('StockReserved', { orderId: ORDER_ID, reservationId: reservationId(reservation), items: items(locationId, lines) }, now);

export const reservationFailed = (reservation: number, locationId: string, lines: LineQuantity[], now = T0) =>
  received('StockReservationFailed', {
    orderId: ORDER_ID, reservationId: reservationId(reservation), reason: 'INSUFFICIENT_STOCK',
    shortItems: lines.map((l) => ({ lineId: l.lineId, sku: l.sku, locationId, requested: l.quantity, available: 0 })),
  }, now);

export const reservationReleased = (reservation: number, locationId: string, lines: LineQuantity[], now = T0) =>
  received('ReservationReleased', { orderId: ORDER_ID, reservationId: reservationId(reservation), items: items(locationId, lines) }, now);

export const carrierSelected = (shipmentIds: string[], now = T0) =>
  received('CarrierSelected', {
    orderId: ORDER_ID,
    selections: shipmentIds.map((shipmentId) => ({ shipmentId, carrier, quotedCost: eur('4.9000'), estimatedDelivery: '2027-01-20' })),
  }, now);

export const carrierFailed = (shipmentIds: string[], now = T0) =>
  received('CarrierSelectionFailed', { orderId: ORDER_ID, shipmentIds, reason: 'CARRIERS_UNAVAILABLE', detail: 'dhl down' }, now);

export const fulfilmentAccepted = (fulfilmentId: string, locationId: string, expectedDispatchAt: number | null = null, now = T0) =>
  received('FulfilmentAccepted', { orderId: ORDER_ID, fulfilmentId, locationId, expectedDispatchAt }, now);

export const dispatched = (fulfilmentId: string, locationId: string, lines: LineQuantity[], now = T0) =>
  received('ShipmentDispatched', {
    orderId: ORDER_ID, fulfilmentId, locationId, carrier, trackingNumber: `trk-${fulfilmentId}`, trackingUrl: null, lines,
  }, now);

export const fulfilmentRejected = (fulfilmentId: string, locationId: string, lines: LineQuantity[], reason: FulfilmentRejectionReason = 'OUT_OF_STOCK', now = T0) =>
  received('FulfilmentRejected', { orderId: ORDER_ID, fulfilmentId, locationId, reason, rejectedLines: lines, detail: null }, now);

export const cancelOrder = (requestedBy = 'web-de', reason: CancellationReason = 'CUSTOMER_REQUEST', now = T0) =>
  received('CancelOrder', { orderId: ORDER_ID, requestedBy, reason, note: null }, now);

/** Inventory's ATP of a SKU at a location changed; `available` may be 0 (nothing to promise). */
export const stockLevelChanged = (sku: string, locationId: string, available: number, now = T0) =>
  received('StockLevelChanged', { locationId, sku, onHand: available + 2, reserved: 2, safetyStock: 0, available }, now);

export const fulfilmentCancelled = (fulfilmentId: string, locationId: string, now = T0) =>
  received('FulfilmentCancelled', { orderId: ORDER_ID, fulfilmentId, locationId }, now);

export const holdOrder = (operatorId = 'ops-anna', reason = 'fraud review', now = T0): HoldOrder =>
  ({ type: 'HoldOrder', payload: { metadata: meta(), orderId: ORDER_ID, operatorId, reason }, now });

export const releaseOrder = (operatorId = 'ops-anna', note: string | null = null, now = T0): ReleaseOrder =>
  ({ type: 'ReleaseOrder', payload: { metadata: meta(), orderId: ORDER_ID, operatorId, note }, now });

export const rerouteOrder = (excludeLocationIds: string[] = [], operatorId = 'ops-anna', reason = 'location closed', now = T0): RerouteOrder =>
  ({ type: 'RerouteOrder', payload: { metadata: meta(), orderId: ORDER_ID, operatorId, reason, excludeLocationIds }, now });

export const timerElapsed = (timerId: string, now = T0): TimerElapsed =>
  ({ type: 'TimerElapsed', payload: { metadata: meta(), orderId: ORDER_ID, timerId }, now });
