import { join } from 'node:path';
import { settings, type ConfigOf } from '@switchyard/service-kit';

/** Settings of the table-rate carrier adapter (besides the ones every service reads). */
export const tablerateSettings = {
  CARRIER_ID: settings.string({
    default: 'tablerate',
    pattern: /^[a-z0-9][a-z0-9_-]{0,31}$/,
    doc: 'carrier id this adapter answers for (up to 32 characters): it reads carrier.adapter.requests.<CARRIER_ID> and keeps its messaging tables in schema carrier_<id>',
  }),
  RATE_TABLE_FILE: settings.string({
    default: join(__dirname, '..', 'config', 'rate-table.yaml'),
    doc: 'JSON or YAML rate table (zones, weight bands, services, prices); see docs/carrier.md',
  }),
  SIMULATE_DOWN: settings.bool({ default: false, doc: 'read requests and never answer them: a carrier that is down, for fallback tests and demos' }),
};

export type TablerateSettings = ConfigOf<typeof tablerateSettings>;

/** The request topic of one carrier adapter (CarrierQuoteRequested's `carrier.adapter.requests.{carrierId}`). */
export const requestTopic = (carrierId: string): string => `carrier.adapter.requests.${carrierId}`;
