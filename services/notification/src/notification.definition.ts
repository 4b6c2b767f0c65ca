import type { ServiceDefinition } from '@switchyard/service-kit';
import { CreateNotification1795400000000 } from './migrations/1795400000000-create-notification';
import { ChannelWebhooks1795400000001 } from './migrations/1795400000001-channel-webhooks';
import { ParkingPreferencesAlerts1795400000002 } from './migrations/1795400000002-parking-preferences-alerts';
import { DeliveryClaims1795400000003 } from './migrations/1795400000003-delivery-claims';
import { NotificationModule } from './notification.module';
import { notificationSettings } from './notification.settings';

export const notificationService: ServiceDefinition<typeof notificationSettings> = {
  name: 'notification',
  schema: 'notification',
  module: NotificationModule,
  consumes: ['orders.lifecycle', 'fulfilment.events', 'routing.events', 'carrier.events'],
  publishes: ['notification.events'],
  migrations: [CreateNotification1795400000000, ChannelWebhooks1795400000001, ParkingPreferencesAlerts1795400000002, DeliveryClaims1795400000003],
  settings: notificationSettings,
  // Shared topics: the events that are not status changes (commands, replies) are skipped, not dead-lettered.
  unhandledEvents: 'ignore',
};
