import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EventOf } from '@switchyard/contracts';
import { SwitchyardContext } from '@switchyard/messaging';
import type { CapacityChange } from './capacity';
import { Routing } from './routing';

/**
 * RouteOrder from the saga, StockLevelChanged from inventory; and the events that say whether a plan goes ahead,
 * which give its capacity back or count it again (capacity.ts). Each runs in its handler's transaction with the
 * inbox row. Every other event on the shared topics routing reads is skipped on purpose (`unhandledEvents`).
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

  @EventPattern('OrderCancelled')
  async orderCancelled(@Payload() event: EventOf<'OrderCancelled'>, @Ctx() ctx: SwitchyardContext): Promise<void> {
    await this.capacityChange(event, this.routing.capacity.orderCancelled(ctx.entityManager, event.payload));
  }

  @EventPattern('StockReserved')
  async stockReserved(@Payload() event: EventOf<'StockReserved'>, @Ctx() ctx: SwitchyardContext): Promise<void> {
    await this.capacityChange(event, this.routing.capacity.reserved(ctx.entityManager, event.payload));
  }

  @EventPattern('StockReservationFailed')
  async reservationFailed(@Payload() event: EventOf<'StockReservationFailed'>, @Ctx() ctx: SwitchyardContext): Promise<void> {
    await this.capacityChange(event, this.routing.capacity.reservationFailed(ctx.entityManager, event.payload));
  }

  @EventPattern('ReservationReleased')
  async reservationReleased(@Payload() event: EventOf<'ReservationReleased'>, @Ctx() ctx: SwitchyardContext): Promise<void> {
    await this.capacityChange(event, this.routing.capacity.reservationReleased(ctx.entityManager, event.payload));
  }

  @EventPattern('FulfilmentRejected')
  async fulfilmentRejected(@Payload() event: EventOf<'FulfilmentRejected'>, @Ctx() ctx: SwitchyardContext): Promise<void> {
    await this.capacityChange(event, this.routing.capacity.fulfilmentRejected(ctx.entityManager, event.payload));
  }

  @EventPattern('FulfilmentCancelled')
  async fulfilmentCancelled(@Payload() event: EventOf<'FulfilmentCancelled'>, @Ctx() ctx: SwitchyardContext): Promise<void> {
    await this.capacityChange(event, this.routing.capacity.fulfilmentCancelled(ctx.entityManager, event.payload));
  }

  @EventPattern('ShipmentDispatched')
  async shipmentDispatched(@Payload() event: EventOf<'ShipmentDispatched'>, @Ctx() ctx: SwitchyardContext): Promise<void> {
    await this.capacityChange(event, this.routing.capacity.dispatched(ctx.entityManager, event.payload));
  }

  private async capacityChange(event: { type: string; payload: { orderId: string } }, change: Promise<CapacityChange>): Promise<void> {
    this.routing.logCapacityChange(`${event.type} of order ${event.payload.orderId}`, await change);
  }
}
