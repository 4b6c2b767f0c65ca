import { Module } from '@nestjs/common';
import { dueWorkLoopProvider, SERVICE_SETTINGS } from '@switchyard/service-kit';
import { Contacts } from './contacts';
import { Deliveries } from './deliveries';
import { DeliveryWorker } from './delivery-worker';
import { EmailSender } from './email-sender';
import type { NotificationSettings } from './notification.settings';
import { ChannelWebhooksController, ErasuresController, OperationsController, PreferencesController } from './operations.controller';
import { OrderWatch } from './order-watch';
import { StatusHandlers } from './status-handlers';
import { WebhookSender } from './webhook-sender';

/** Raises back-order-ageing and passed-promise alerts (queued like any delivery). */
const alertLoop = dueWorkLoopProvider('NOTIFICATION_ALERT_LOOP', [OrderWatch, SERVICE_SETTINGS], (watch: OrderWatch, settings: NotificationSettings) => ({
  name: 'raising due operations alerts',
  intervalMs: settings.ALERT_SCAN_INTERVAL_MS,
  tickOnStart: true,
  claim: (tx) => watch.raiseDue(tx),
}));

@Module({
  controllers: [StatusHandlers, OperationsController, ChannelWebhooksController, PreferencesController, ErasuresController],
  providers: [Contacts, Deliveries, OrderWatch, EmailSender, WebhookSender, DeliveryWorker, alertLoop],
})
export class NotificationModule {}
