import { randomUUID } from 'node:crypto';
import type { EventOf, EventPayload, LineQuantity } from '@switchyard/contracts';
import type { TimelineEvent } from '../projection/order-status';

// Events of an order's life as the orchestrator, routing and a warehouse would publish them, for specs.

const carrier = { carrierId: 'dhl', serviceCode: 'EXPRESS_1200' };
const kettle: LineQuantity = { lineId: 'l1', sku: 'SKU-KETTLE', quantity: 1 };
const eur = (amount: string) => ({ amount, currency: 'EUR' });

type Payload<T extends TimelineEvent['type']> = Omit<EventPayload<T>, 'metadata' | 'orderId'>;

const payloads: { readonly [T in TimelineEvent['type']]?: Payload<T> } = {
  OrderRouted: {
    attempt: 1,
    plan: {
      shipments: [{ shipmentId: 'shp-1', locationId: 'dc-berlin', lines: [kettle], estimatedCost: eur('6.4500'), estimatedDelivery: '2026-11-30' }],
      backOrderedLines: [{ lineId: 'l2', sku: 'SKU-MUG', quantity: 4 }],
      totalEstimatedCost: eur('6.4500'),
    },
    explanation: { decisionId: 'dec-1', rulesetId: 'eu-default', rulesetVersion: 1, summary: 'dc-berlin is cheapest', candidatesConsidered: 3 },
  },
  OrderUnroutable: { attempt: 2, reason: 'NO_STOCK', unplaceableLines: [kettle], decisionId: 'dec-2', summary: 'no stock' },
  OrderHeld: { reason: 'AWAITING_STOCK', heldLines: [kettle], heldBy: null, reviewAt: null },
  OrderReleased: { releasedBy: null, note: null },
  OrderCancelled: { reason: 'CUSTOMER_REQUEST', cancelledLines: [kettle], detail: null },
  OrderCompleted: { shipments: [{ fulfilmentId: 'shp-1', locationId: 'dc-berlin', carrier, trackingNumber: 'TRK-1', lines: [kettle] }], cancelledLines: [] },
  OrderNeedsAttention: { sagaState: 'RESERVING', problem: 'DEADLINE_MISSED', awaiting: 'StockReserved', attempts: 3, detail: 'inventory did not answer' },
  FulfilmentAccepted: { fulfilmentId: 'shp-1', locationId: 'dc-berlin', expectedDispatchAt: null },
  FulfilmentRejected: { fulfilmentId: 'shp-1', locationId: 'dc-berlin', reason: 'SHORT_PICK', rejectedLines: [kettle], detail: null },
  FulfilmentCancelled: { fulfilmentId: 'shp-1', locationId: 'dc-berlin' },
  ShipmentDispatched: { fulfilmentId: 'shp-1', locationId: 'dc-berlin', carrier, trackingNumber: 'TRK-1', trackingUrl: null, lines: [kettle] },
  CancelOrder: { requestedBy: 'web', reason: 'CUSTOMER_REQUEST', note: null },
};

/** An event of type `type` for `orderId`, with a new event id; `overrides` replace payload fields. */
export function lifeEvent<T extends keyof typeof payloads>(type: T, orderId: string, overrides: Partial<Payload<T>> = {}): EventOf<T> {
  const metadata = { eventId: randomUUID(), occurredAt: Date.now(), correlationId: orderId, causationId: null };
  return { type, payload: { ...payloads[type], ...overrides, metadata, orderId } as unknown as EventPayload<T> };
}
