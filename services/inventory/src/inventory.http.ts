import { Controller, Get, Inject, NotFoundException, Param } from '@nestjs/common';
import { StockView } from '@switchyard/inventory-ledger';
import { DataSource } from 'typeorm';
import { Inventory, ReservationView } from './inventory';

/** Read-only views for operations and tests. */
@Controller('v1')
export class InventoryHttp {
  constructor(
    @Inject(Inventory) private readonly inventory: Inventory,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {}

  @Get('stock/:sku')
  async stock(@Param('sku') sku: string): Promise<{ sku: string; locations: Omit<StockView, 'sku'>[] }> {
    const levels = await this.inventory.stockOf(this.dataSource.manager, sku);
    if (levels.length === 0) throw new NotFoundException(`SKU ${sku} has no stock record at any location; a location's StockAdjusted for it creates one.`);
    return { sku, locations: levels.map(({ sku: _, ...level }) => level) };
  }

  @Get('reservations/:reservationId')
  async reservation(@Param('reservationId') reservationId: string): Promise<ReservationView> {
    const found = await this.inventory.reservation(this.dataSource.manager, reservationId);
    if (!found) throw new NotFoundException(`No reservation ${reservationId}; the saga's ReserveStock creates it (check the id, or whether the command was dead-lettered).`);
    return found;
  }
}
