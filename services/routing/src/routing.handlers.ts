import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EventOf } from '@switchyard/contracts';
import { SwitchyardContext } from '@switchyard/messaging';
import { Routing } from './routing';

/**
 * RouteOrder from the saga, StockLevelChanged from inventory; each runs in its handler's transaction with the inbox
 * row. Every other event on inventory.events (reservations, adjustments) is skipped on purpose (`unhandledEvents`).
 */
@Controller()
export class RoutingHandlers {
  constructor(@Inject(Routing) private readonly routing: Routing) {}

  @EventPattern('RouteOrder')
  async route(@Payload() event: EventOf<'RouteOrder'>, @Ctx() ctx: SwitchyardContext): Promise<void> {
    await this.routing.ready();
    await ctx.outbox.add(await this.routing.decisions.route(ctx.entityManager, event.payload));
  }

  @EventPattern('StockLevelChanged')
  async stockLevel(@Payload() event: EventOf<'StockLevelChanged'>, @Ctx() ctx: SwitchyardContext): Promise<void> {
    await this.routing.ready();
    await this.routing.projection.apply(ctx.entityManager, event.payload);
  }
}
