import { Controller, Inject, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { EventOf, EventType } from '@switchyard/contracts';
import { RetriableError, SwitchyardContext, SwitchyardExceptionFilter } from '@switchyard/messaging';
import type { Received, SagaInput } from '@switchyard/order-saga';
import { SERVICE_SETTINGS, ServiceLogger } from '@switchyard/service-kit';
import { OrderSagas } from './order-sagas';
import { OrderStore } from './order-store';
import type { OrchestratorSettings } from './orchestrator.settings';

type OrderEvent = Extract<SagaInput, { payload: { orderId: string } }> & Received<EventType>;

/** The saga's input for a received event: the event as it came, with the orchestrator's clock reading. */
const received = <T extends EventType>(event: EventOf<T>): Received<T> => ({ type: event.type, payload: event.payload, now: Date.now() }) as Received<T>;

/**
 * Every event type on the topics the orchestrator reads is either fed to the saga of its order or ignored here on
 * purpose; a type nobody decided about is dead-lettered by the kit (no-handler). Replies about orders with no
 * stream are ignored (logged at debug): they belong to another orchestrator's orders, or to an order intake rejected.
 */
// The filter here, not only globally: Nest 11 wires the kit's global one too late for handlers (see inventory).
@UseFilters(new SwitchyardExceptionFilter())
@Controller()
export class SagaHandlers {
  constructor(
    @Inject(OrderSagas) private readonly sagas: OrderSagas,
    @Inject(OrderStore) private readonly store: OrderStore,
    @Inject(ServiceLogger) private readonly logger: ServiceLogger,
    @Inject(SERVICE_SETTINGS) private readonly settings: OrchestratorSettings,
  ) {}

  // ── orders.lifecycle ──────────────────────────────────────────────────────────────────────────
  @EventPattern('OrderAccepted')
  accepted(@Payload() event: EventOf<'OrderAccepted'>, @Ctx() ctx: SwitchyardContext) {
    return this.feed(received(event), ctx);
  }

  @EventPattern('OrderRejected')
  rejected(@Payload() event: EventOf<'OrderRejected'>, @Ctx() ctx: SwitchyardContext) {
    return this.feed(received(event), ctx);
  }

  /** The orchestrator's own status events come back on orders.lifecycle: they already are in the order's stream. */
  @EventPattern(['OrderHeld', 'OrderReleased', 'OrderCancelled', 'OrderCompleted', 'OrderNeedsAttention'])
  ownStatus(): void {
    return undefined;
  }

  // ── orders.commands ───────────────────────────────────────────────────────────────────────────
  @EventPattern('CancelOrder')
  async cancel(@Payload() event: EventOf<'CancelOrder'>, @Ctx() ctx: SwitchyardContext): Promise<void> {
    const { orderId } = event.payload;
    const applied = await this.sagas.apply(ctx.entityManager, orderId, received(event), (m) => ctx.outbox.add(m));
    if (applied.outcome !== 'rejected') return;
    const { code, rejected } = applied.rejection;
    // Intake may have accepted the order a moment ago on another topic: wait for its OrderAccepted, then dead-letter.
    if (code === 'UNKNOWN_ORDER') throw new RetriableError(rejected);
    // No contract event answers a refused cancel on Kafka; the refusal is logged, the order's status tells the channel.
    this.logger.warn('cancel request refused', { orderId, code, reason: rejected });
  }

  // ── routing.events ────────────────────────────────────────────────────────────────────────────
  @EventPattern('OrderRouted')
  routed(@Payload() event: EventOf<'OrderRouted'>, @Ctx() ctx: SwitchyardContext) {
    return this.feed(received(event), ctx);
  }

  @EventPattern('OrderUnroutable')
  unroutable(@Payload() event: EventOf<'OrderUnroutable'>, @Ctx() ctx: SwitchyardContext) {
    return this.feed(received(event), ctx);
  }

  // ── inventory.events ──────────────────────────────────────────────────────────────────────────
  @EventPattern('StockReserved')
  reserved(@Payload() event: EventOf<'StockReserved'>, @Ctx() ctx: SwitchyardContext) {
    return this.feed(received(event), ctx);
  }

  @EventPattern('StockReservationFailed')
  reservationFailed(@Payload() event: EventOf<'StockReservationFailed'>, @Ctx() ctx: SwitchyardContext) {
    return this.feed(received(event), ctx);
  }

  /** Releases are fire-and-forget through the outbox (inventory cannot refuse one); its confirmation changes nothing. */
  @EventPattern('ReservationReleased')
  released(): void {
    return undefined;
  }

  /** Physical counts: StockLevelChanged, which inventory publishes after each, is what wakes back-orders. */
  @EventPattern('StockAdjusted')
  adjusted(): void {
    return undefined;
  }

  /** New ATP for a SKU at a location: wakes the orders waiting for that SKU, oldest back-order first, a bounded number per event. */
  @EventPattern('StockLevelChanged')
  async stockLevel(@Payload() event: EventOf<'StockLevelChanged'>, @Ctx() ctx: SwitchyardContext): Promise<void> {
    if (event.payload.available <= 0) return;
    const waiting = await this.store.waitingFor(ctx.entityManager, event.payload.sku, this.settings.ORCHESTRATOR_WAKE_FANOUT);
    const input = received(event);
    for (const orderId of waiting) await this.sagas.apply(ctx.entityManager, orderId, input, (m) => ctx.outbox.add(m));
  }

  // ── carrier.events ────────────────────────────────────────────────────────────────────────────
  @EventPattern('CarrierSelected')
  carrierSelected(@Payload() event: EventOf<'CarrierSelected'>, @Ctx() ctx: SwitchyardContext) {
    return this.feed(received(event), ctx);
  }

  @EventPattern('CarrierSelectionFailed')
  carrierFailed(@Payload() event: EventOf<'CarrierSelectionFailed'>, @Ctx() ctx: SwitchyardContext) {
    return this.feed(received(event), ctx);
  }

  // ── fulfilment.events ─────────────────────────────────────────────────────────────────────────
  @EventPattern('FulfilmentAccepted')
  fulfilmentAccepted(@Payload() event: EventOf<'FulfilmentAccepted'>, @Ctx() ctx: SwitchyardContext) {
    return this.feed(received(event), ctx);
  }

  @EventPattern('FulfilmentRejected')
  fulfilmentRejected(@Payload() event: EventOf<'FulfilmentRejected'>, @Ctx() ctx: SwitchyardContext) {
    return this.feed(received(event), ctx);
  }

  @EventPattern('ShipmentDispatched')
  dispatched(@Payload() event: EventOf<'ShipmentDispatched'>, @Ctx() ctx: SwitchyardContext) {
    return this.feed(received(event), ctx);
  }

  @EventPattern('FulfilmentCancelled')
  fulfilmentCancelled(@Payload() event: EventOf<'FulfilmentCancelled'>, @Ctx() ctx: SwitchyardContext) {
    return this.feed(received(event), ctx);
  }

  /** One order's reply or start: decided and appended in the handler's transaction, messages to its outbox. */
  private async feed(input: OrderEvent, ctx: SwitchyardContext): Promise<void> {
    const orderId = input.payload.orderId;
    const applied = await this.sagas.apply(ctx.entityManager, orderId, input, (m) => ctx.outbox.add(m));
    if (applied.outcome === 'unknown-order') this.logger.debug('ignored: no stream for this order', { orderId, eventType: input.type });
  }
}
