import type { BackOrderPolicy, EventPayload, LineQuantity, OrderLine, UnroutableReason } from '@switchyard/contracts';
import type {
  Atp,
  CandidateReport,
  BackOrderPolicy as EngineBackOrderPolicy,
  OrderLine as EngineOrderLine,
  LineReasonCode,
  RoutingDecision,
  UnfulfilledLine,
} from '@switchyard/routing-engine';

// Between the contracts (order lines with ids, Money, UnroutableReason) and the routing engine (one line per SKU,
// numbers, line reasons). Pure, so every mapping rule is specified in contract-mapping.spec.ts.

/** The order's back-order policy in the engine's words. */
export const ENGINE_BACK_ORDER_POLICY: Readonly<Record<BackOrderPolicy, EngineBackOrderPolicy>> = {
  HOLD: 'hold',
  SPLIT: 'split',
  PART_SHIP: 'ship-available',
  CANCEL_UNAVAILABLE: 'cancel-unavailable',
};

/**
 * The engine plans one line per SKU: lines repeating a SKU are merged (quantities added, weight averaged over
 * the units whose weight is known), and the plan is handed back to them in line order by `LineLedger`.
 */
export function engineLines(lines: readonly OrderLine[]): EngineOrderLine[] {
  const bySku = new Map<string, { quantity: number; grams: number; weighed: number }>();
  for (const line of lines) {
    const merged = bySku.get(line.sku) ?? { quantity: 0, grams: 0, weighed: 0 };
    merged.quantity += line.quantity;
    if (line.unitWeightGrams !== null) {
      merged.grams += line.unitWeightGrams * line.quantity;
      merged.weighed += line.quantity;
    }
    bySku.set(line.sku, merged);
  }
  return [...bySku].map(([sku, { quantity, grams, weighed }]) => ({ sku, quantity, ...(weighed > 0 ? { weightKg: grams / weighed / 1000 } : {}) }));
}

/** Hands units of a SKU back to the order lines that asked for it, first line first; each unit once. */
export class LineLedger {
  private readonly remaining = new Map<string, { lineId: string; left: number }[]>();

  constructor(lines: readonly OrderLine[]) {
    for (const line of lines) {
      const forSku = this.remaining.get(line.sku) ?? [];
      forSku.push({ lineId: line.lineId, left: line.quantity });
      this.remaining.set(line.sku, forSku);
    }
  }

  take(sku: string, quantity: number): LineQuantity[] {
    const taken: LineQuantity[] = [];
    let wanted = quantity;
    for (const line of this.remaining.get(sku) ?? []) {
      if (wanted === 0) break;
      const units = Math.min(line.left, wanted);
      if (units === 0) continue;
      line.left -= units;
      wanted -= units;
      taken.push({ lineId: line.lineId, sku, quantity: units });
    }
    if (wanted > 0) throw new Error(`the plan hands out ${quantity} units of ${sku}, ${wanted} more than the order asked for`);
    return taken;
  }
}

/** Money as the contracts carry it: a decimal string with 4 places. */
export const money = (amount: number, currency: string) => ({ amount: amount.toFixed(4), currency });

// Reasons waiting cannot fix come first: if any line has one, the order needs attention whatever else waits.
const REASON_PRECEDENCE: readonly UnroutableReason[] = [
  'UNSERVICEABLE_DESTINATION',
  'NO_ELIGIBLE_LOCATION',
  'TOO_MANY_SPLITS',
  'OTHER',
  'CAPACITY_EXHAUSTED',
  'PAST_CUTOFF',
  'NO_STOCK',
];

const BY_LINE_REASON: Readonly<Record<Exclude<LineReasonCode, 'STOCK_ONLY_AT_EXCLUDED_LOCATIONS' | 'HELD_WITH_ORDER'>, UnroutableReason>> = {
  NO_STOCK: 'NO_STOCK',
  NOT_ENOUGH_STOCK: 'NO_STOCK',
  NOT_AT_ONE_LOCATION: 'NO_STOCK',
  EXCEEDS_MAX_SHIPMENTS: 'TOO_MANY_SPLITS',
  SEARCH_LIMIT: 'OTHER',
  DUPLICATE_SKU: 'OTHER',
};

/** Stock only at locations a hard filter excluded: the filter says why (waiting helps with capacity and cutoffs). */
function excludedStockReason(sku: string, candidates: readonly CandidateReport[], atp: Atp): UnroutableReason {
  const rules = new Set(candidates.flatMap((c) => (c.status === 'excluded' && (atp.get(sku)?.get(c.locationId) ?? 0) > 0 ? [c.rule] : [])));
  if (rules.has('capacity')) return 'CAPACITY_EXHAUSTED';
  if (rules.has('cutoff')) return 'PAST_CUTOFF';
  if (rules.has('channel')) return 'NO_ELIGIBLE_LOCATION';
  if (rules.has('market')) return 'UNSERVICEABLE_DESTINATION';
  return 'OTHER';
}

/** The contract's reason for an unroutable order: the most serious reason among its blocked lines. */
export function unroutableReason(lines: readonly UnfulfilledLine[], candidates: readonly CandidateReport[], atp: Atp): UnroutableReason {
  const reasons = lines.flatMap((line): UnroutableReason[] => {
    if (line.reason.code === 'HELD_WITH_ORDER') return [];
    if (line.reason.code === 'STOCK_ONLY_AT_EXCLUDED_LOCATIONS') return [excludedStockReason(line.sku, candidates, atp)];
    return [BY_LINE_REASON[line.reason.code]];
  });
  return REASON_PRECEDENCE.find((reason) => reasons.includes(reason)) ?? 'OTHER';
}

export type ReplyPayload =
  | { readonly type: 'OrderRouted'; readonly payload: Omit<EventPayload<'OrderRouted'>, 'metadata'> }
  | { readonly type: 'OrderUnroutable'; readonly payload: Omit<EventPayload<'OrderUnroutable'>, 'metadata'> };

export type ReplyInput = {
  readonly decisionId: string;
  readonly orderId: string;
  readonly attempt: number;
  readonly lines: readonly OrderLine[];
  readonly currency: string;
  readonly decision: RoutingDecision;
  /** The ATP the engine saw: which excluded locations held stock. */
  readonly atp: Atp;
};

/** The service always passes the decision time, so the engine always dates a delivery; a plan without one is a bug. */
function deliveryDateOf(date: string | undefined, locationId: string): string {
  if (date === undefined) throw new Error(`the engine planned a shipment from ${locationId} without a delivery date: it was called without the decision time`);
  return date;
}

/** Hands each unfulfilled line's units back to its order lines, and says why in words. */
const accountFor = (ledger: LineLedger, unfulfilled: readonly UnfulfilledLine[]) =>
  unfulfilled.map((line) => {
    const quantities = ledger.take(line.sku, line.quantity);
    const text = `line ${quantities.map((q) => q.lineId).join('+')} (${line.quantity} × ${line.sku}): ${line.reason.message}`;
    return { line, quantities, text };
  });

/**
 * The reply to RouteOrder for an engine decision.
 * - routed, every line placed → OrderRouted, no back-ordered lines;
 * - routed with lines left out (PART_SHIP, CANCEL_UNAVAILABLE) → OrderRouted; units the engine holds are
 *   `backOrderedLines`, units it cancels are in neither list (the saga cancels what the plan leaves out);
 * - unroutable (HOLD or SPLIT short of stock, or nothing placeable) → OrderUnroutable with the most serious reason
 *   and, as `unplaceableLines`, the lines that block it (not those only held with the order).
 * Shipment ids are `${orderId}.a${attempt}.s${n}`: unique per order and attempt, so a re-route never reuses one.
 */
export function toReply({ decisionId, orderId, attempt, lines, currency, decision, atp }: ReplyInput): ReplyPayload {
  const explanation = decision.explanation;
  const candidatesConsidered = explanation.candidates.length;
  if (decision.type === 'OrderRouted') {
    const ledger = new LineLedger(lines);
    const shipments = decision.plan.shipments.map((shipment, n) => ({
      shipmentId: `${orderId}.a${attempt}.s${n + 1}`,
      locationId: shipment.locationId,
      lines: shipment.lines.flatMap((line) => ledger.take(line.sku, line.quantity)),
      estimatedCost: money(shipment.cost.total, currency),
      estimatedDelivery: deliveryDateOf(shipment.estimatedDelivery.deliveryDate, shipment.locationId),
    }));
    const unfulfilled = accountFor(ledger, decision.unfulfilled);
    const held = unfulfilled.filter((u) => u.line.disposition === 'held');
    const cancelled = unfulfilled.filter((u) => u.line.disposition === 'cancelled');
    const backOrderedLines = held.flatMap((u) => u.quantities);
    const notes = [
      ...(held.length > 0 ? [`Back-ordered: ${held.map((u) => u.text).join('; ')}.`] : []),
      ...(cancelled.length > 0 ? [`Cancelled: ${cancelled.map((u) => u.text).join('; ')}.`] : []),
    ];
    return {
      type: 'OrderRouted',
      payload: {
        orderId,
        attempt,
        plan: { shipments, backOrderedLines, totalEstimatedCost: money(decision.plan.cost.total, currency) },
        explanation: {
          decisionId,
          rulesetId: explanation.ruleset.id,
          rulesetVersion: explanation.ruleset.version,
          candidatesConsidered,
          summary: [explanation.summary, ...notes].join(' '),
        },
      },
    };
  }
  const blocking = decision.lines.filter((line) => line.reason.code !== 'HELD_WITH_ORDER');
  const ledger = new LineLedger(lines);
  const unplaceableLines = (blocking.length > 0 ? blocking : decision.lines).flatMap((line) => ledger.take(line.sku, line.quantity));
  const reason = unroutableReason(decision.lines, explanation.candidates, atp);
  return {
    type: 'OrderUnroutable',
    payload: {
      orderId,
      attempt,
      reason,
      unplaceableLines,
      decisionId,
      summary: `${reason}: ${accountFor(new LineLedger(lines), decision.lines).map((u) => u.text).join('; ')}. ${explanation.summary}`,
    },
  };
}
