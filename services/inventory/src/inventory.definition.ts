import { ServiceDefinition } from '@switchyard/service-kit';
import { InventoryModule } from './inventory.module';
import { inventorySettings } from './inventory.settings';
import { CreateStockLedger1795200000000 } from './migrations/1795200000000-create-stock-ledger';

export const inventoryService: ServiceDefinition<typeof inventorySettings> = {
  name: 'inventory',
  schema: 'inventory',
  module: InventoryModule,
  consumes: ['inventory.commands', 'inventory.events', 'fulfilment.events'],
  publishes: ['inventory.events'],
  // inventory.events carries its own answers and fulfilment.events the locations' other news: only the handled types matter here.
  unhandledEvents: 'ignore',
  migrations: [CreateStockLedger1795200000000],
  settings: inventorySettings,
};
