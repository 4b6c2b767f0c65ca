import type { EventPayload, LineQuantity, PlannedShipment } from '@switchyard/contracts';
import { addLines, subtractLines } from './lines';
import type { OrderProgress } from './state';

/** What the saga does with a plan, by the order's back-order policy. */
export interface PlanUptake {
  /** Shipments the saga goes on with (none when the policy declines a partial plan). */
  readonly shipments: readonly PlannedShipment[];
  /** Lines of the request the saga does not go on with now (under HOLD and SPLIT, all of them when any is left out). */
  readonly unplaced: readonly LineQuantity[];
  /** Lines of the request the plan leaves out: what is actually short. */
  readonly short: readonly LineQuantity[];
}

/**
 * HOLD and SPLIT ship an order whole: a partial plan is declined and every requested line waits.
 * PART_SHIP and CANCEL_UNAVAILABLE take what the plan places.
 */
export function planUptake(progress: OrderProgress, routed: EventPayload<'OrderRouted'>): PlanUptake {
  const requested = progress.step?.kind === 'Routing' ? progress.step.lines : [];
  const placed = addLines(...routed.plan.shipments.map((shipment) => shipment.lines));
  const short = subtractLines(requested, placed);
  const shipsWhole = progress.order.backOrderPolicy === 'HOLD' || progress.order.backOrderPolicy === 'SPLIT';
  if (shipsWhole && short.length > 0) return { shipments: [], unplaced: addLines(requested), short };
  return { shipments: routed.plan.shipments.filter((shipment) => shipment.lines.length > 0), unplaced: short, short };
}

/** Lines of the order with no shipment, not waiting for stock, not cancelled and not being routed: they need a plan. */
export function unplacedLines(progress: OrderProgress): LineQuantity[] {
  const routing = progress.step?.kind === 'Routing' ? progress.step.lines : [];
  const accounted = addLines(...progress.shipments.map((shipment) => shipment.lines), progress.heldLines, progress.cancelledLines, routing);
  return subtractLines(progress.order.lines, accounted);
}
