import type { AnyEvent, LineQuantity } from '@switchyard/contracts';

/** Order status as a channel sees it. */
export type OrderStatus = 'ACCEPTED' | 'REJECTED' | 'IN_PROGRESS' | 'HELD' | 'PARTIALLY_DISPATCHED' | 'DISPATCHED' | 'COMPLETED' | 'CANCELLED';

/** Every event intake shows in an order's timeline: the order's lifecycle, routing, fulfilment, and its own cancel requests. */
export const TIMELINE_EVENT_TYPES = [
  'OrderAccepted',
  'OrderRejected',
  'OrderHeld',
  'OrderReleased',
  'OrderCancelled',
  'OrderCompleted',
  'OrderNeedsAttention',
  'OrderRouted',
  'OrderUnroutable',
  'FulfilmentAccepted',
  'FulfilmentRejected',
  'FulfilmentCancelled',
  'ShipmentDispatched',
  'CancelOrder',
] as const;

export type TimelineEvent = Extract<AnyEvent, { type: (typeof TIMELINE_EVENT_TYPES)[number] }>;

export interface OrderProgress {
  readonly status: OrderStatus;
  /** Units ordered per line id. */
  readonly ordered: Readonly<Record<string, number>>;
  /** Units dispatched so far per line id. */
  readonly dispatched: Readonly<Record<string, number>>;
}

const FINAL: readonly OrderStatus[] = ['REJECTED', 'COMPLETED'];
const SHIPPING: readonly OrderStatus[] = ['PARTIALLY_DISPATCHED', 'DISPATCHED'];

/**
 * The next status after an event. Events of different topics arrive in no fixed order, so a status never goes
 * back: nothing moves a rejected or completed order, a cancelled one only to completed, and once something
 * shipped only shipments, cancellation of the remainder and completion count.
 */
export function evolve(progress: OrderProgress, event: TimelineEvent): OrderProgress {
  const { status } = progress;
  if (FINAL.includes(status)) return progress;
  const to = (next: OrderStatus): OrderProgress => ({ ...progress, status: next });
  switch (event.type) {
    case 'OrderCompleted':
      return to('COMPLETED');
    case 'OrderRejected':
      return to('REJECTED');
    case 'ShipmentDispatched':
      return status === 'CANCELLED' ? progress : dispatch(progress, event.payload.lines);
    default:
      if (status === 'CANCELLED') return progress;
  }
  switch (event.type) {
    case 'OrderCancelled':
      return SHIPPING.includes(status) ? progress : to('CANCELLED');
    case 'OrderHeld':
      return SHIPPING.includes(status) ? progress : to('HELD');
    case 'OrderRouted':
    case 'OrderReleased':
    case 'FulfilmentAccepted':
      return SHIPPING.includes(status) ? progress : to('IN_PROGRESS');
    default:
      return progress;
  }
}

function dispatch(progress: OrderProgress, lines: readonly LineQuantity[]): OrderProgress {
  const dispatched = { ...progress.dispatched };
  for (const line of lines) dispatched[line.lineId] = (dispatched[line.lineId] ?? 0) + line.quantity;
  const all = Object.entries(progress.ordered).every(([lineId, quantity]) => (dispatched[lineId] ?? 0) >= quantity);
  return { ...progress, dispatched, status: all ? 'DISPATCHED' : 'PARTIALLY_DISPATCHED' };
}

/** One line for the timeline, in the channel's terms; no internal detail a customer should not read. */
export function summarise(event: TimelineEvent): string {
  switch (event.type) {
    case 'OrderAccepted': {
      const { lines, market, destination } = event.payload;
      return `accepted: ${count(lines.length, 'line')}, market ${market}, shipping to ${destination.city}, ${destination.countryCode}`;
    }
    case 'OrderRejected':
      return `rejected (${event.payload.reason}): ${clip(event.payload.detail)}`;
    case 'OrderHeld':
      return `on hold (${event.payload.reason}): ${count(event.payload.heldLines.length, 'line')} waiting`;
    case 'OrderReleased':
      return `released from hold${event.payload.note ? `: ${clip(event.payload.note)}` : ''}`;
    case 'OrderCancelled':
      return `cancelled (${event.payload.reason}): ${count(event.payload.cancelledLines.length, 'line')} will not ship${event.payload.detail ? `; ${clip(event.payload.detail)}` : ''}`;
    case 'OrderCompleted':
      return `completed: ${count(event.payload.shipments.length, 'shipment')}${event.payload.cancelledLines.length ? `, ${count(event.payload.cancelledLines.length, 'line')} not shipped` : ''}`;
    case 'OrderNeedsAttention':
      return 'delayed: the operations team is looking into it';
    case 'OrderRouted': {
      const { shipments, backOrderedLines } = event.payload.plan;
      const from = [...new Set(shipments.map((s) => s.locationId))].join(', ');
      return `planned: ${count(shipments.length, 'shipment')}${from ? ` from ${from}` : ''}${backOrderedLines.length ? `, ${count(backOrderedLines.length, 'line')} back-ordered` : ''}`;
    }
    case 'OrderUnroutable':
      return `no fulfilment plan yet (${event.payload.reason}): ${count(event.payload.unplaceableLines.length, 'line')} cannot be placed`;
    case 'FulfilmentAccepted':
      return `shipment ${event.payload.fulfilmentId} accepted by ${event.payload.locationId}`;
    case 'FulfilmentRejected':
      return `shipment ${event.payload.fulfilmentId} refused by ${event.payload.locationId} (${event.payload.reason})`;
    case 'FulfilmentCancelled':
      return `shipment ${event.payload.fulfilmentId} withdrawn at ${event.payload.locationId}`;
    case 'ShipmentDispatched': {
      const { fulfilmentId, locationId, carrier, trackingNumber } = event.payload;
      return `shipment ${fulfilmentId} dispatched from ${locationId} with ${carrier.carrierId} ${carrier.serviceCode}, tracking ${trackingNumber}`;
    }
    case 'CancelOrder':
      return `cancellation requested by ${event.payload.requestedBy} (${event.payload.reason})${event.payload.note ? `: ${clip(event.payload.note)}` : ''}`;
  }
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function clip(text: string, max = 500): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
