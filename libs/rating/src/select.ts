import type { CarrierFailureReason, CarrierQuote, CarrierSelection } from '@switchyard/contracts';
import { amountOf } from './money';

/** What one asked carrier did before the selection closed. */
export type CarrierAnswer =
  | { readonly carrierId: string; readonly kind: 'quoted'; readonly quotes: readonly CarrierQuote[] }
  | { readonly carrierId: string; readonly kind: 'unavailable'; readonly reason: string }
  | { readonly carrierId: string; readonly kind: 'silent' };

export interface SelectionInput {
  readonly shipmentIds: readonly string[];
  /** ISO date promised to the customer, or null when nothing was promised. */
  readonly promisedDate: string | null;
  /** Quotes in another currency cannot be compared and are set aside. */
  readonly currency: string;
  readonly answers: readonly CarrierAnswer[];
}

export type SelectionOutcome =
  | { readonly kind: 'selected'; readonly selections: readonly CarrierSelection[] }
  | { readonly kind: 'failed'; readonly reason: CarrierFailureReason; readonly shipmentIds: readonly string[]; readonly detail: string };

type Order = (a: CarrierQuote, b: CarrierQuote) => number;

const byPrice: Order = (a, b) => {
  const difference = amountOf(a.price.amount) - amountOf(b.price.amount);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
};
const byDelivery: Order = (a, b) => a.estimatedDelivery.localeCompare(b.estimatedDelivery);
const byName: Order = (a, b) => a.carrier.carrierId.localeCompare(b.carrier.carrierId) || a.carrier.serviceCode.localeCompare(b.carrier.serviceCode);
const cheapestFirst: Order = (a, b) => byPrice(a, b) || byDelivery(a, b) || byName(a, b);
const fastestFirst: Order = (a, b) => byDelivery(a, b) || byPrice(a, b) || byName(a, b);

/**
 * The rate-shopping rule for one shipment: of the quotes delivering on or before the promised date (every
 * quote when nothing was promised) the cheapest, ties going to the earlier delivery, then carrier id, then
 * service code. When none meets the date: the fastest, then the cheapest, with the same final ties.
 */
export const chooseQuote = (quotes: readonly CarrierQuote[], promisedDate: string | null): CarrierQuote | undefined => {
  const onTime = promisedDate === null ? quotes : quotes.filter((quote) => quote.estimatedDelivery <= promisedDate);
  const [best] = onTime.length > 0 ? [...onTime].sort(cheapestFirst) : [...quotes].sort(fastestFirst);
  return best;
};

const REASON_PREFIX = /^([A-Z_]+):/;

const describeAnswer = (answer: CarrierAnswer, shipmentId: string, currency: string): string => {
  switch (answer.kind) {
    case 'silent':
      return `${answer.carrierId}: no answer by the deadline`;
    case 'unavailable':
      return `${answer.carrierId}: unavailable (${answer.reason})`;
    case 'quoted': {
      const forShipment = answer.quotes.filter((quote) => quote.shipmentId === shipmentId);
      const otherCurrency = forShipment.filter((quote) => quote.price.currency !== currency);
      return otherCurrency.length > 0 && otherCurrency.length === forShipment.length
        ? `${answer.carrierId}: quoted only in ${otherCurrency[0]?.price.currency}, not ${currency}`
        : `${answer.carrierId}: no service offered`;
    }
  }
};

/** Why nobody could take the shipments: a quote anywhere means carriers work but none fits these; else what they said. */
const failureReason = (answers: readonly CarrierAnswer[]): CarrierFailureReason => {
  if (answers.some((answer) => answer.kind === 'quoted' && answer.quotes.length > 0)) return 'NO_SERVICE_AVAILABLE';
  const stated = answers.flatMap((answer) => (answer.kind === 'unavailable' ? [REASON_PREFIX.exec(answer.reason)?.[1]] : []));
  if (stated.includes('DESTINATION_NOT_SERVED')) return 'DESTINATION_NOT_SERVED';
  if (answers.some((answer) => answer.kind === 'quoted')) return 'NO_SERVICE_AVAILABLE';
  return 'CARRIERS_UNAVAILABLE';
};

/**
 * Closes a selection with the answers that arrived: a carrier per shipment by chooseQuote, or, when any
 * shipment has no usable quote, a failure naming those shipments and what every carrier said about them.
 */
export const decideSelection = (input: SelectionInput): SelectionOutcome => {
  const usable = input.answers.flatMap((answer) => (answer.kind === 'quoted' ? answer.quotes : [])).filter((quote) => quote.price.currency === input.currency);
  const selections: CarrierSelection[] = [];
  const missing: string[] = [];
  for (const shipmentId of input.shipmentIds) {
    const best = chooseQuote(
      usable.filter((quote) => quote.shipmentId === shipmentId),
      input.promisedDate,
    );
    if (best) selections.push({ shipmentId, carrier: best.carrier, quotedCost: best.price, estimatedDelivery: best.estimatedDelivery });
    else missing.push(shipmentId);
  }
  if (missing.length === 0) return { kind: 'selected', selections };
  const detail = missing.map((shipmentId) => `shipment ${shipmentId}: ${input.answers.map((answer) => describeAnswer(answer, shipmentId, input.currency)).join('; ')}`).join(' | ');
  return { kind: 'failed', reason: failureReason(input.answers), shipmentIds: missing, detail };
};
