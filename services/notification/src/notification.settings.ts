import { settings, type ConfigOf } from '@switchyard/service-kit';

/** Settings of the notification service (besides the ones every service reads). */
export const notificationSettings = {
  SMTP_URL: settings.url({ protocols: ['smtp:', 'smtps:'], secret: true, doc: 'SMTP server for customer email, e.g. smtp://user:pass@mail.example.org:587 (password masked in logs)' }),
  MAIL_FROM: settings.string({ pattern: /^[^\r\n]{3,200}$/, doc: 'From address of customer email, e.g. "Shop <orders@example.org>"' }),
  SMTP_TIMEOUT_MS: settings.int({ default: 10_000, min: 100, max: 120_000, doc: 'connection, greeting and socket timeout of one SMTP send' }),
  WEBHOOK_TIMEOUT_MS: settings.int({ default: 10_000, min: 100, max: 120_000, doc: 'how long one webhook call may take before it counts as failed' }),
  DELIVERY_SCAN_INTERVAL_MS: settings.int({ default: 500, min: 10, max: 60_000, doc: 'how often the delivery loop looks for deliveries due' }),
  DELIVERY_MAX_ATTEMPTS: settings.int({ default: 8, min: 1, max: 100, doc: 'tries of one delivery before it is recorded FAILED' }),
  DELIVERY_CONCURRENCY: settings.int({ default: 8, min: 1, max: 64, doc: 'deliveries sent at the same time, so a slow or hanging recipient occupies one slot, not the queue' }),
  DELIVERY_LEASE_MS: settings.int({
    default: 300_000,
    min: 1_000,
    max: 3_600_000,
    doc: 'how long a claimed delivery is left to its sender; a send with no outcome recorded by then (the service stopped) is sent again with the same id. Keep it well above SMTP_TIMEOUT_MS and WEBHOOK_TIMEOUT_MS',
  }),
  DELIVERY_BACKOFF_MS: settings.int({ default: 5_000, min: 1, max: 3_600_000, doc: 'wait before the second try; doubles with each further try' }),
  OPERATOR_KEY: settings.optional(settings.string({ secret: true, pattern: /^\S{16,}$/, doc: 'bearer key for the operations endpoints (16+ characters); unset turns them off' })),
  DELIVERY_BACKOFF_MAX_MS: settings.int({ default: 3_600_000, min: 1, max: 24 * 3_600_000, doc: 'longest wait between two tries' }),
  OPS_WEBHOOK_URL: settings.optional(
    settings.url({ protocols: ['http:', 'https:'], secret: true, doc: 'operations alerts go here as a Slack-compatible { text, blocks } POST (the URL is a secret, as Slack webhook URLs are); unset: no alert webhook' }),
  ),
  OPS_WEBHOOK_SECRET: settings.optional(settings.string({ secret: true, pattern: /^\S{32,512}$/, doc: 'when set, alert webhooks are signed like channel webhooks (Switchyard-Signature), 32-512 characters' })),
  OPS_EMAIL: settings.optional(settings.string({ pattern: /^[^\s@<>]+@[^\s@<>]+$/, doc: 'operations alerts are emailed to this address; unset: no alert email' })),
  BACKORDER_ALERT_AGE_MS: settings.int({ default: 3 * 24 * 3_600_000, min: 1, max: 365 * 24 * 3_600_000, doc: 'an order held or back-ordered for longer than this raises a BACKORDER_AGEING alert' }),
  ALERT_SCAN_INTERVAL_MS: settings.int({ default: 60_000, min: 10, max: 3_600_000, doc: 'how often the alert loop looks for ageing back-orders and passed promised dates' }),
};

export type NotificationSettings = ConfigOf<typeof notificationSettings>;
