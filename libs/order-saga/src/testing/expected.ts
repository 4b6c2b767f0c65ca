import type { LineQuantity, ReleaseReason } from '@switchyard/contracts';
import { carrier, customer, destination, items, orderLines, reservationId } from './fixtures';
import { ev } from './spec';

export const routeOrder = (attempt: number, lines: LineQuantity[], excludedLocationIds: string[] = [], backOrderPolicy: 'HOLD' | 'SPLIT' | 'PART_SHIP' | 'CANCEL_UNAVAILABLE' = 'HOLD') =>
  ev('RouteOrder', {
    attempt, channel: 'web-de', market: 'DE', customerTier: customer.tier, customerPriority: customer.priority, destination,
    serviceLevel: 'STANDARD', promisedDate: null, backOrderPolicy,
    lines: lines.flatMap((l) => orderLines.filter((o) => o.lineId === l.lineId).map((o) => ({ ...o, quantity: l.quantity }))),
    excludedLocationIds,
  });

export const reserveStock = (n: number, locationId: string, lines: LineQuantity[]) =>
  ev('ReserveStock', { reservationId: reservationId(n), items: items(locationId, lines) });

export const releaseStock = (n: number, locationId: string, lines: LineQuantity[], reason: ReleaseReason) =>
  ev('ReleaseStock', { reservationId: reservationId(n), items: items(locationId, lines), reason });

export const selectCarrier = (shipments: { shipmentId: string; locationId: string; weightGrams: number; value: string }[]) =>
  ev('SelectCarrier', {
    destination, serviceLevel: 'STANDARD', promisedDate: null,
    shipments: shipments.map((s) => ({ shipmentId: s.shipmentId, locationId: s.locationId, weightGrams: s.weightGrams, declaredValue: { amount: s.value, currency: 'EUR' } })),
  });

export const instructed = (fulfilmentId: string, locationId: string, lines: LineQuantity[]) =>
  ev('FulfilmentInstructed', {
    fulfilmentId, locationId, channel: 'web-de', channelOrderId: 'WEB-1', shipTo: destination, serviceLevel: 'STANDARD', carrier,
    priority: customer.priority, shipBy: null, lines,
  });

export const completed = (shipments: { fulfilmentId: string; locationId: string; lines: LineQuantity[] }[], cancelledLines: LineQuantity[] = []) =>
  ev('OrderCompleted', {
    shipments: shipments.map((s) => ({ ...s, carrier, trackingNumber: `trk-${s.fulfilmentId}` })),
    cancelledLines,
  });
