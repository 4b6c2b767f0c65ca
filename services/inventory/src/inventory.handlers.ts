import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EventOf } from '@switchyard/contracts';
import { SwitchyardContext } from '@switchyard/messaging';
import { Inventory } from './inventory';

/** The messages inventory acts on; each runs in its handler's transaction and publishes through its outbox. */
@Controller()
export class InventoryHandlers {
  constructor(@Inject(Inventory) private readonly inventory: Inventory) {}

  @EventPattern('ReserveStock')
  async reserve(@Payload() event: EventOf<'ReserveStock'>, @Ctx() ctx: SwitchyardContext): Promise<void> {
    await ctx.outbox.add(await this.inventory.reserve(ctx.entityManager, event.payload));
  }

  @EventPattern('ReleaseStock')
  async release(@Payload() event: EventOf<'ReleaseStock'>, @Ctx() ctx: SwitchyardContext): Promise<void> {
    await ctx.outbox.add(await this.inventory.release(ctx.entityManager, event.payload));
  }

  @EventPattern('StockAdjusted')
  async count(@Payload() event: EventOf<'StockAdjusted'>, @Ctx() ctx: SwitchyardContext): Promise<void> {
    await ctx.outbox.add(await this.inventory.count(ctx.entityManager, event.payload));
  }

  @EventPattern('ShipmentDispatched')
  async dispatch(@Payload() event: EventOf<'ShipmentDispatched'>, @Ctx() ctx: SwitchyardContext): Promise<void> {
    await ctx.outbox.add(await this.inventory.dispatch(ctx.entityManager, event.payload));
  }
}
