import type { ServiceDefinition } from '@switchyard/service-kit';
import { CreateNotification1795400000000 } from './migrations/1795400000000-create-notification';
import { ChannelWebhooks1795400000001 } from './migrations/1795400000001-channel-webhooks';
import { NotificationModule } from './notification.module';
import { notificationSettings } from './notification.settings';

export const notificationService: ServiceDefinition<typeof notificationSettings> = {
  name: 'notification',
  schema: 'notification',
  module: NotificationModule,
  consumes: ['orders.lifecycle', 'fulfilment.events'],
  publishes: ['notification.events'],
  migrations: [CreateNotification1795400000000, ChannelWebhooks1795400000001],
  settings: notificationSettings,
  // Shared topics: the status events not (yet) turned into messages are skipped, not dead-lettered.
  unhandledEvents: 'ignore',
};
