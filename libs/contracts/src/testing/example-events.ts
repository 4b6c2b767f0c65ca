import { EventPayload, EventType } from '../events';
import { Address, Customer, EventMetadata, LineQuantity, Money, OrderLine, ReservationItem } from '../generated/types';

// One realistic payload of every event, for tests here and in other libraries.

const orderId = 'ord-7f3c9a';
const at = 1_795_000_000_000;

const metadata = (eventId: string, causationId: string | null = 'evt-0001'): EventMetadata => ({
  eventId, occurredAt: at, correlationId: orderId, causationId,
});
const eur = (amount: string): Money => ({ amount, currency: 'EUR' });

const customer: Customer = {
  customerId: 'cus-118', tier: 'gold', priority: 2, contactReference: 'crm:contact/118', email: 'kim@example.org', locale: 'de-DE',
};
const destination: Address = {
  recipientName: 'Kim Weber', line1: 'Torstraße 12', line2: null, city: 'Berlin', region: null, postalCode: '10119',
  countryCode: 'DE', coordinates: { latitude: 52.5291, longitude: 13.4013 },
};
const lines: OrderLine[] = [
  { lineId: 'l1', sku: 'SKU-KETTLE', quantity: 1, unitWeightGrams: 1450, unitPrice: eur('39.9900') },
  { lineId: 'l2', sku: 'SKU-MUG', quantity: 4, unitWeightGrams: null, unitPrice: eur('-0.0100') },
];
const shipped: LineQuantity[] = [{ lineId: 'l1', sku: 'SKU-KETTLE', quantity: 1 }];
const held: ReservationItem[] = [{ lineId: 'l1', sku: 'SKU-KETTLE', locationId: 'dc-berlin', quantity: 1 }];
const carrier = { carrierId: 'dhl', serviceCode: 'EXPRESS_1200' };

export const exampleEvents: { readonly [T in EventType]: EventPayload<T> } = {
  OrderReceived: {
    metadata: metadata('evt-0001', null), channel: 'web-de', channelOrderId: 'WEB-100234', customer, destination,
    serviceLevel: 'EXPRESS', promisedDate: '2026-12-01', backOrderPolicy: null, lines, market: 'DE',
  },
  OrderAccepted: {
    metadata: metadata('evt-0002'), orderId, channel: 'web-de', channelOrderId: 'WEB-100234', market: 'DE', customer, destination,
    serviceLevel: 'EXPRESS', promisedDate: '2026-12-01', backOrderPolicy: 'SPLIT', lines,
  },
  OrderRejected: {
    metadata: metadata('evt-0003'), orderId, channel: 'web-de', channelOrderId: 'WEB-100234', reason: 'UNKNOWN_SKU',
    detail: 'line l2: SKU SKU-MUG is not in the catalogue', customer: null,
  },
  RouteOrder: {
    metadata: metadata('evt-0004'), orderId, attempt: 1, channel: 'web-de', market: 'DE', customerTier: 'gold', customerPriority: 2,
    destination, serviceLevel: 'EXPRESS', promisedDate: null, backOrderPolicy: 'SPLIT', lines, excludedLocationIds: [],
  },
  OrderRouted: {
    metadata: metadata('evt-0005'), orderId, attempt: 1,
    plan: {
      shipments: [{ shipmentId: 'shp-1', locationId: 'dc-berlin', lines: shipped, estimatedCost: eur('6.4500'), estimatedDelivery: '2026-11-30' }],
      backOrderedLines: [{ lineId: 'l2', sku: 'SKU-MUG', quantity: 4 }],
      totalEstimatedCost: eur('6.4500'),
    },
    explanation: {
      decisionId: 'dec-991', rulesetId: 'eu-default', rulesetVersion: 7, candidatesConsidered: 12,
      summary: 'dc-berlin: stock for l1 and cheapest (6.45 vs 8.10 at dc-leipzig); l2 back-ordered (no ATP anywhere).',
    },
  },
  OrderUnroutable: {
    metadata: metadata('evt-0006'), orderId, attempt: 2, reason: 'NO_STOCK', unplaceableLines: shipped, decisionId: 'dec-992',
    summary: 'No location has SKU-KETTLE available to promise.',
  },
  ReserveStock: { metadata: metadata('evt-0007'), orderId, reservationId: 'res-1', items: held },
  StockReserved: { metadata: metadata('evt-0008'), orderId, reservationId: 'res-1', items: held },
  StockReservationFailed: {
    metadata: metadata('evt-0009'), orderId, reservationId: 'res-1', reason: 'INSUFFICIENT_STOCK',
    shortItems: [{ lineId: 'l1', sku: 'SKU-KETTLE', locationId: 'dc-berlin', requested: 1, available: 0 }],
  },
  ReleaseStock: { metadata: metadata('evt-0010'), orderId, reservationId: 'res-1', items: held, reason: 'ORDER_CANCELLED' },
  ReservationReleased: { metadata: metadata('evt-0011'), orderId, reservationId: 'res-1', items: held },
  StockAdjusted: {
    metadata: { eventId: 'evt-0012', occurredAt: at, correlationId: 'count-2026-11-27', causationId: null },
    locationId: 'dc-berlin', sku: 'SKU-KETTLE', quantityDelta: -2, onHandAfter: 40, reason: 'CYCLE_COUNT', reference: 'CC-5531',
  },
  SelectCarrier: {
    metadata: metadata('evt-0013'), orderId, destination, serviceLevel: 'EXPRESS', promisedDate: '2026-12-01',
    shipments: [{ shipmentId: 'shp-1', locationId: 'dc-berlin', weightGrams: 1450, declaredValue: eur('39.9900') }],
  },
  CarrierSelected: {
    metadata: metadata('evt-0014'), orderId,
    selections: [{ shipmentId: 'shp-1', carrier, quotedCost: eur('5.9000'), estimatedDelivery: '2026-11-30' }],
  },
  CarrierSelectionFailed: {
    metadata: metadata('evt-0015'), orderId, shipmentIds: ['shp-1'], reason: 'CARRIERS_UNAVAILABLE', detail: 'dhl quote timed out after 3 tries',
  },
  FulfilmentInstructed: {
    metadata: metadata('evt-0016'), orderId, fulfilmentId: 'shp-1', locationId: 'dc-berlin', channel: 'web-de', channelOrderId: 'WEB-100234',
    shipTo: destination, serviceLevel: 'EXPRESS', carrier, priority: 2, shipBy: at + 3_600_000, lines: shipped,
  },
  FulfilmentAccepted: { metadata: metadata('evt-0017'), orderId, fulfilmentId: 'shp-1', locationId: 'dc-berlin', expectedDispatchAt: null },
  ShipmentDispatched: {
    metadata: metadata('evt-0018'), orderId, fulfilmentId: 'shp-1', locationId: 'dc-berlin', carrier,
    trackingNumber: '00340434161094042557', trackingUrl: 'https://track.example/00340434161094042557', lines: shipped,
  },
  FulfilmentRejected: {
    metadata: metadata('evt-0019'), orderId, fulfilmentId: 'shp-1', locationId: 'dc-berlin', reason: 'SHORT_PICK', rejectedLines: shipped, detail: 'bin A-12 empty',
  },
  CancelOrder: { metadata: metadata('evt-0020', null), orderId, requestedBy: 'web-de', reason: 'CUSTOMER_REQUEST', note: null },
  OrderCancelled: { metadata: metadata('evt-0021'), orderId, reason: 'CUSTOMER_REQUEST', cancelledLines: shipped, detail: null },
  OrderHeld: { metadata: metadata('evt-0022'), orderId, reason: 'AWAITING_STOCK', heldLines: shipped, heldBy: null, reviewAt: at + 86_400_000 },
  OrderReleased: { metadata: metadata('evt-0023'), orderId, releasedBy: 'ops-anna', note: 'stock arrived early' },
  OrderCompleted: {
    metadata: metadata('evt-0024'), orderId,
    shipments: [{ fulfilmentId: 'shp-1', locationId: 'dc-berlin', carrier, trackingNumber: '00340434161094042557', lines: shipped }],
    cancelledLines: [],
  },
  OrderNeedsAttention: {
    metadata: metadata('evt-0025'), orderId, sagaState: 'RESERVING', problem: 'DEADLINE_MISSED', awaiting: 'StockReserved', attempts: 3,
    detail: 'inventory did not answer ReserveStock within 30 s, 3 times; check the inventory service',
  },
  CustomerNotified: {
    metadata: metadata('evt-0026'), orderId, notificationId: 'ntf-77', template: 'order-dispatched', medium: 'EMAIL',
    triggeredBy: 'ShipmentDispatched', contactReference: 'crm:contact/118',
  },
  StockLevelChanged: {
    metadata: { eventId: 'evt-0027', occurredAt: at, correlationId: 'count-2026-11-27', causationId: 'evt-0012' },
    locationId: 'dc-berlin', sku: 'SKU-KETTLE', onHand: 40, reserved: 3, safetyStock: 2, available: 35,
  },
  CarrierQuoteRequested: {
    metadata: metadata('evt-0028'), requestId: 'rq-31', carrierId: 'tablerate', orderId, destination, serviceLevel: 'EXPRESS', promisedDate: '2026-12-01',
    parcels: [{ shipmentId: 'shp-1', originLocationId: 'dc-berlin', originCountryCode: 'DE', weightGrams: 1450, declaredValue: eur('39.9900') }],
    replyBy: at + 5_000,
  },
  CarrierQuoted: {
    metadata: metadata('evt-0029'), requestId: 'rq-31', carrierId: 'tablerate', orderId,
    quotes: [{ shipmentId: 'shp-1', carrier: { carrierId: 'tablerate', serviceCode: 'EXPRESS' }, price: eur('7.2000'), estimatedDelivery: '2026-11-30' }],
    unavailable: null,
  },
  FulfilmentCancellationRequested: {
    metadata: metadata('evt-0030'), orderId, fulfilmentId: 'shp-1', locationId: 'dc-berlin', reason: 'order cancelled by the customer',
  },
  FulfilmentCancelled: { metadata: metadata('evt-0031'), orderId, fulfilmentId: 'shp-1', locationId: 'dc-berlin' },
};
