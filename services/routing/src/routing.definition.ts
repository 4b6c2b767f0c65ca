import { ServiceDefinition } from '@switchyard/service-kit';
import { CreateRouting1795400000000 } from './migrations/1795400000000-create-routing';
import { ReleasePlannedShipments1795400000001 } from './migrations/1795400000001-release-planned-shipments';
import { RoutingModule } from './routing.module';
import { routingSettings } from './routing.settings';

export const routingService: ServiceDefinition<typeof routingSettings> = {
  name: 'routing',
  schema: 'routing',
  module: RoutingModule,
  // orders.lifecycle, fulfilment.events and inventory's reservations say whether a plan goes ahead: its capacity is given back when it does not.
  consumes: ['routing.commands', 'inventory.events', 'orders.lifecycle', 'fulfilment.events'],
  publishes: ['routing.events'],
  // Those shared topics carry more than routing reads (adjustments, acceptances, the order's other news): skipped on purpose.
  unhandledEvents: 'ignore',
  migrations: [CreateRouting1795400000000, ReleasePlannedShipments1795400000001],
  settings: routingSettings,
};
