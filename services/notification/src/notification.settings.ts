import { settings, type ConfigOf } from '@switchyard/service-kit';

/** Settings of the notification service (besides the ones every service reads). */
export const notificationSettings = {
  SMTP_URL: settings.url({ protocols: ['smtp:', 'smtps:'], secret: true, doc: 'SMTP server for customer email, e.g. smtp://user:pass@mail.example.org:587 (password masked in logs)' }),
  MAIL_FROM: settings.string({ pattern: /^[^\r\n]{3,200}$/, doc: 'From address of customer email, e.g. "Shop <orders@example.org>"' }),
  SMTP_TIMEOUT_MS: settings.int({ default: 10_000, min: 100, max: 120_000, doc: 'connection, greeting and socket timeout of one SMTP send' }),
  WEBHOOK_TIMEOUT_MS: settings.int({ default: 10_000, min: 100, max: 120_000, doc: 'how long one webhook call may take before it counts as failed' }),
  DELIVERY_SCAN_INTERVAL_MS: settings.int({ default: 500, min: 10, max: 60_000, doc: 'how often the delivery loop looks for deliveries due' }),
  DELIVERY_MAX_ATTEMPTS: settings.int({ default: 8, min: 1, max: 100, doc: 'tries of one delivery before it is recorded FAILED' }),
  DELIVERY_BACKOFF_MS: settings.int({ default: 5_000, min: 1, max: 3_600_000, doc: 'wait before the second try; doubles with each further try' }),
  OPERATOR_KEY: settings.optional(settings.string({ secret: true, pattern: /^\S{16,}$/, doc: 'bearer key for the operations endpoints (16+ characters); unset turns them off' })),
  DELIVERY_BACKOFF_MAX_MS: settings.int({ default: 3_600_000, min: 1, max: 24 * 3_600_000, doc: 'longest wait between two tries' }),
};

export type NotificationSettings = ConfigOf<typeof notificationSettings>;
