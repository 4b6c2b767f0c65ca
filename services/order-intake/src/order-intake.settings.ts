import { ConfigOf, settings } from '@switchyard/service-kit';

/** Order intake's own settings, validated at start with the common ones (docs/order-intake.md). */
export const orderIntakeSettings = {
  MAX_ORDER_LINES: settings.int({ default: 500, min: 1, max: 10_000, doc: 'most lines one order may have (413 over HTTP, INVALID_ORDER on Kafka)' }),
  OPERATOR_API_KEY: settings.optional(
    settings.string({ secret: true, pattern: /^\S{32,256}$/, doc: 'operator key for /v1/admin (32+ characters); unset: the admin endpoints answer 503' }),
  ),
  SERVICEABLE_COUNTRIES: settings.optional(
    settings.list({ item: /^[A-Z]{2}$/, doc: 'ISO country codes orders may ship to; unset: every country (others are rejected UNSERVICEABLE_DESTINATION)' }),
  ),
};

export type OrderIntakeSettings = ConfigOf<typeof orderIntakeSettings>;
