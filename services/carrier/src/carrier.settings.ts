import { settings, type ConfigOf } from '@switchyard/service-kit';

const CARRIER_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** Settings of the carrier service (besides the ones every service reads). */
export const carrierSettings = {
  CARRIERS: settings.list({
    default: ['tablerate'],
    item: CARRIER_ID,
    doc: 'carrier adapters asked for every shipment, by id: each reads carrier.adapter.requests.<id>',
  }),
  QUOTE_TIMEOUT_MS: settings.int({ default: 5_000, min: 100, max: 600_000, doc: 'how long a selection waits for adapter replies before closing with what arrived' }),
  SELECTION_SCAN_INTERVAL_MS: settings.int({ default: 250, min: 10, max: 60_000, doc: 'how often the deadline loop looks for selections past their deadline' }),
  LOCATION_COUNTRIES: settings.list({
    default: ['dc-berlin:DE', 'dc-leipzig:DE', 'dc-hamburg:DE', 'dc-munich:DE', 'dc-vienna:AT'],
    item: /^[A-Za-z0-9._-]+:[A-Z]{2}$/,
    doc: 'country of every fulfilment location a shipment can leave from, as location:CC pairs',
  }),
  QUOTE_CURRENCY: settings.string({ default: 'EUR', pattern: /^[A-Z]{3}$/, doc: 'currency quotes are compared in; quotes in another are set aside' }),
};

export type CarrierSettings = ConfigOf<typeof carrierSettings>;

/** The request topic of one carrier adapter (CarrierQuoteRequested's `carrier.adapter.requests.{carrierId}`). */
export const adapterRequestTopic = (carrierId: string): string => `carrier.adapter.requests.${carrierId}`;

export const locationCountries = (pairs: readonly string[]): ReadonlyMap<string, string> =>
  new Map(pairs.map((pair) => [pair.slice(0, pair.lastIndexOf(':')), pair.slice(pair.lastIndexOf(':') + 1)]));
