import type { ServiceDefinition } from '@switchyard/service-kit';
import { CreateOrderIntake1795200000000 } from './migrations/1795200000000-create-order-intake';
import { OrderIntakeModule } from './order-intake.module';
import { orderIntakeSettings } from './order-intake.settings';
import { SCHEMA } from './schema';

export const orderIntakeService: ServiceDefinition<typeof orderIntakeSettings> = {
  name: 'order-intake',
  schema: SCHEMA,
  module: OrderIntakeModule,
  // orders.received: orders from channels; the rest: order status and timeline, and which SKUs exist.
  consumes: ['orders.received', 'orders.lifecycle', 'routing.events', 'fulfilment.events', 'inventory.events'],
  publishes: ['orders.lifecycle', 'orders.commands'],
  // Shared topics: reservations, carrier replies and the like are other services' business, not a channel's.
  unhandledEvents: 'ignore',
  migrations: [CreateOrderIntake1795200000000],
  settings: orderIntakeSettings,
};
