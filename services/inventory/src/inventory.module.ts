import { Module } from '@nestjs/common';
import { parseSafetyStockPolicy } from '@switchyard/inventory-ledger';
import { SERVICE_SETTINGS, ServiceLogger } from '@switchyard/service-kit';
import { Inventory } from './inventory';
import { InventoryHandlers } from './inventory.handlers';
import { InventoryHttp } from './inventory.http';
import { InventorySettings } from './inventory.settings';

@Module({
  controllers: [InventoryHandlers, InventoryHttp],
  providers: [
    {
      provide: Inventory,
      inject: [SERVICE_SETTINGS, ServiceLogger],
      useFactory: (own: InventorySettings, logger: ServiceLogger) =>
        new Inventory(parseSafetyStockPolicy(own.INVENTORY_DEFAULT_SAFETY_STOCK, own.INVENTORY_SAFETY_STOCK_RULES ?? []), logger),
    },
  ],
})
export class InventoryModule {}
