import type { RoutingDecision } from './decision';
import type { Atp, Network } from './model';

// Applying a plan as if it had been reserved: what-if runs decide each order against what the plans
// before it left. Copy-on-write, so the caller's ATP and network are never changed.

/** ATP after the decision's shipments are reserved. */
export const reserveDecision = (atp: Atp, decision: RoutingDecision): Atp => {
  if (decision.type !== 'OrderRouted') return atp;
  const next = new Map(atp);
  for (const shipment of decision.plan.shipments) {
    for (const line of shipment.lines) {
      const bySku = new Map(next.get(line.sku));
      bySku.set(shipment.locationId, (bySku.get(shipment.locationId) ?? 0) - line.quantity);
      next.set(line.sku, bySku);
    }
  }
  return next;
};

/** Network after each shipping location has used one more shipment of today's capacity. */
export const takeCapacity = (network: Network, decision: RoutingDecision): Network => {
  if (decision.type !== 'OrderRouted') return network;
  const shipping = new Set(decision.plan.shipments.map((shipment) => shipment.locationId));
  return {
    ...network,
    locations: network.locations.map((location) =>
      shipping.has(location.id) ? { ...location, usedToday: (location.usedToday ?? 0) + 1 } : location,
    ),
  };
};
