import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EventOf } from '@switchyard/contracts';
import { SwitchyardContext } from '@switchyard/messaging';
import { Catalogue } from './catalogue/catalogue';
import { OrderIntake } from './intake/order-intake';
import { OrderProjection } from './projection/order-projection';
import { TIMELINE_EVENT_TYPES, TimelineEvent } from './projection/order-status';

/** What intake takes from Kafka: orders from channels, the events of its orders' lives, and which SKUs exist. */
@Controller()
export class OrderIntakeEvents {
  constructor(
    @Inject(OrderIntake) private readonly intake: OrderIntake,
    @Inject(OrderProjection) private readonly projection: OrderProjection,
    @Inject(Catalogue) private readonly catalogue: Catalogue,
  ) {}

  /** The same intake as POST /v1/orders; an order that fails validation is rejected (OrderRejected), never dead-lettered. */
  @EventPattern('OrderReceived')
  async received(@Payload() event: EventOf<'OrderReceived'>, @Ctx() ctx: SwitchyardContext): Promise<void> {
    const { metadata, channel, ...order } = event.payload;
    await this.intake.submit(ctx.entityManager, (events) => ctx.outbox.add(events), { channel, input: order, via: 'kafka', causationId: metadata.eventId });
  }

  // CancelOrder is intake's own command on orders.commands; it reaches the timeline when it is sent.
  @EventPattern(TIMELINE_EVENT_TYPES.filter((type) => type !== 'CancelOrder'))
  async timeline(@Payload() event: TimelineEvent, @Ctx() ctx: SwitchyardContext): Promise<void> {
    await this.projection.apply(ctx.entityManager, event);
  }

  /** Any SKU inventory reports stock for becomes known to intake. */
  @EventPattern(['StockLevelChanged', 'StockAdjusted'])
  async stocked(@Payload() event: EventOf<'StockLevelChanged'> | EventOf<'StockAdjusted'>, @Ctx() ctx: SwitchyardContext): Promise<void> {
    await this.catalogue.add(ctx.entityManager, [event.payload.sku], `${event.type} at ${event.payload.locationId}`);
  }
}
