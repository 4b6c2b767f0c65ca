import { Module } from '@nestjs/common';
import { parseSafetyStockPolicy, SafetyStockPolicy } from '@switchyard/inventory-ledger';
import { ConfigurationError, SERVICE_SETTINGS, ServiceLogger } from '@switchyard/service-kit';
import { Inventory } from './inventory';
import { InventoryHandlers } from './inventory.handlers';
import { InventoryHttp } from './inventory.http';
import { InventorySettings } from './inventory.settings';

/** The safety stock policy from the settings; a rule repeated or malformed stops the start, naming the variable. */
export function safetyStockPolicy(own: InventorySettings): SafetyStockPolicy {
  try {
    return parseSafetyStockPolicy(own.INVENTORY_DEFAULT_SAFETY_STOCK, own.INVENTORY_SAFETY_STOCK_RULES ?? []);
  } catch (error) {
    throw new ConfigurationError('service inventory', [`INVENTORY_SAFETY_STOCK_RULES: ${(error as Error).message}`]);
  }
}

@Module({
  controllers: [InventoryHandlers, InventoryHttp],
  providers: [
    {
      provide: Inventory,
      inject: [SERVICE_SETTINGS, ServiceLogger],
      useFactory: (own: InventorySettings, logger: ServiceLogger) => new Inventory(safetyStockPolicy(own), logger),
    },
  ],
})
export class InventoryModule {}
