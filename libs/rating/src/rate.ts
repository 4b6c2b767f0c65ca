import type { CarrierQuote, ParcelToQuote, ServiceLevel } from '@switchyard/contracts';
import { addTransitDays, dayOf, isoDate } from './calendar';
import { addPercentRounded, formatAmount } from './money';
import type { RateTable, WeightBand, Zone } from './rate-table';

/** What a carrier adapter is asked: where to, at which service level, when (epoch ms), and the parcels. */
export interface RatingRequest {
  readonly carrierId: string;
  readonly destinationCountry: string;
  readonly serviceLevel: ServiceLevel;
  /** The moment the request was made: transit days count from its UTC date. */
  readonly requestedAt: number;
  readonly parcels: readonly ParcelToQuote[];
}

/** Why one parcel got no quote at all. */
export interface Unquoted {
  readonly shipmentId: string;
  readonly reason: 'NO_ZONE' | 'OVERWEIGHT' | 'NO_SERVICE';
  readonly detail: string;
}

export type RatingOutcome =
  /** Quotes per parcel (every service offered), and the parcels that got none, with why. */
  | { readonly kind: 'quoted'; readonly quotes: readonly CarrierQuote[]; readonly unquoted: readonly Unquoted[] }
  /** The carrier cannot quote at all; `reason` starts with a CarrierFailureReason symbol, e.g. "DESTINATION_NOT_SERVED: …". */
  | { readonly kind: 'unavailable'; readonly reason: string };

const zoneFor = (table: RateTable, origin: string, destination: string): Zone | undefined =>
  table.zones.find((zone) => zone.origins.includes(origin) && zone.destinations.includes(destination));

/** The lightest band that takes the weight; a parcel of unknown weight (0 g) rates in the first band. */
const bandFor = (table: RateTable, weightGrams: number): WeightBand | undefined => table.weightBands.find((band) => weightGrams <= band.maxGrams);

/**
 * Prices every parcel with every service of the table that serves the requested service level on the parcel's
 * zone and weight band. Prices are the table's plus the fuel surcharge, rounded half-up to the currency's
 * decimals; estimated delivery is the request's UTC date plus the service's transit days for the zone.
 */
export const rateParcels = (table: RateTable, request: RatingRequest): RatingOutcome => {
  const destination = request.destinationCountry;
  if (!table.zones.some((zone) => zone.destinations.includes(destination))) {
    return { kind: 'unavailable', reason: `DESTINATION_NOT_SERVED: ${request.carrierId} does not deliver to ${destination}` };
  }
  const quotes: CarrierQuote[] = [];
  const unquoted: Unquoted[] = [];
  const requestDay = dayOf(request.requestedAt);
  for (const parcel of request.parcels) {
    const zone = zoneFor(table, parcel.originCountryCode, destination);
    if (!zone) {
      unquoted.push({ shipmentId: parcel.shipmentId, reason: 'NO_ZONE', detail: `no zone for ${parcel.originCountryCode}→${destination}` });
      continue;
    }
    const band = bandFor(table, parcel.weightGrams);
    if (!band) {
      const heaviest = table.weightBands[table.weightBands.length - 1]?.maxGrams ?? 0;
      unquoted.push({ shipmentId: parcel.shipmentId, reason: 'OVERWEIGHT', detail: `${parcel.weightGrams} g is over the heaviest band (${heaviest} g)` });
      continue;
    }
    const before = quotes.length;
    for (const service of table.services) {
      const transitDays = service.transitDays[zone.id];
      const price = table.prices[service.code]?.[zone.id]?.[band.id];
      if (transitDays === undefined || price === undefined || !service.serviceLevels.includes(request.serviceLevel)) continue;
      quotes.push({
        shipmentId: parcel.shipmentId,
        carrier: { carrierId: request.carrierId, serviceCode: service.code },
        price: { amount: formatAmount(addPercentRounded(price, table.fuelSurchargePercent, table.currencyDigits), table.currencyDigits), currency: table.currency },
        estimatedDelivery: isoDate(addTransitDays(requestDay, transitDays, table.transitDayCount)),
      });
    }
    if (quotes.length === before) {
      unquoted.push({
        shipmentId: parcel.shipmentId,
        reason: 'NO_SERVICE',
        detail: `no service for ${request.serviceLevel} in zone ${zone.id}, band ${band.id}`,
      });
    }
  }
  if (quotes.length === 0 && unquoted.length > 0 && unquoted.every((u) => u.reason === 'NO_ZONE')) {
    const lanes = [...new Set(request.parcels.map((p) => `${p.originCountryCode}→${destination}`))].join(', ');
    return { kind: 'unavailable', reason: `DESTINATION_NOT_SERVED: ${request.carrierId} has no zone for ${lanes}` };
  }
  return { kind: 'quoted', quotes, unquoted };
};
