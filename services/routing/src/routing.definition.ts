import { ServiceDefinition } from '@switchyard/service-kit';
import { CreateRouting1795400000000 } from './migrations/1795400000000-create-routing';
import { RoutingModule } from './routing.module';
import { routingSettings } from './routing.settings';

export const routingService: ServiceDefinition<typeof routingSettings> = {
  name: 'routing',
  schema: 'routing',
  module: RoutingModule,
  consumes: ['routing.commands', 'inventory.events'],
  publishes: ['routing.events'],
  // inventory.events also carries reservations and adjustments, which routing does not read: only StockLevelChanged counts.
  unhandledEvents: 'ignore',
  migrations: [CreateRouting1795400000000],
  settings: routingSettings,
};
