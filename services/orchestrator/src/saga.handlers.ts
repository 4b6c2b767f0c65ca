import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { EventOf, EventType } from '@switchyard/contracts';
import { SwitchyardContext } from '@switchyard/messaging';
import type { Received, SagaInput } from '@switchyard/order-saga';
import { SERVICE_SETTINGS, ServiceLogger } from '@switchyard/service-kit';
import { CancelRequests } from './cancel-requests';
import { OrderSagas, type OutboxSink } from './order-sagas';
import { OrderStore } from './order-store';
import type { OrchestratorSettings } from './orchestrator.settings';

/** Events about one order that go straight to its saga, by topic. */
const ORDER_EVENTS = [
  'OrderAccepted', 'OrderRejected', // orders.lifecycle
  'OrderRouted', 'OrderUnroutable', // routing.events
  'StockReserved', 'StockReservationFailed', // inventory.events
  'CarrierSelected', 'CarrierSelectionFailed', // carrier.events
  'FulfilmentAccepted', 'FulfilmentRejected', 'ShipmentDispatched', 'FulfilmentCancelled', // fulfilment.events
] as const satisfies readonly EventType[];
type OrderEventType = (typeof ORDER_EVENTS)[number];
/** The saga's input for one of them: the event as it came, with the orchestrator's clock reading. */
type OrderInput = { [T in OrderEventType]: Received<T> }[OrderEventType];

/**
 * Every event type on the topics the orchestrator reads is either fed to the saga of its order or ignored here on
 * purpose; a type nobody decided about is dead-lettered by the kit (no-handler). Replies about orders with no
 * stream are ignored (logged at debug): they belong to another orchestrator's orders, or to an order intake rejected.
 */
@Controller()
export class SagaHandlers {
  constructor(
    @Inject(OrderSagas) private readonly sagas: OrderSagas,
    @Inject(OrderStore) private readonly store: OrderStore,
    @Inject(ServiceLogger) private readonly logger: ServiceLogger,
    @Inject(SERVICE_SETTINGS) private readonly settings: OrchestratorSettings,
    @Inject(CancelRequests) private readonly cancels: CancelRequests,
  ) {}

  /** The order's start (orders.lifecycle) and every participant's reply about it: fed to the order's saga. */
  @EventPattern([...ORDER_EVENTS])
  async orderEvent(@Payload() event: EventOf<OrderEventType>, @Ctx() ctx: SwitchyardContext): Promise<void> {
    const input = { type: event.type, payload: event.payload, now: Date.now() } as OrderInput;
    const orderId = input.payload.orderId;
    const em = ctx.entityManager;
    const publish: OutboxSink = (m) => ctx.outbox.add(m);
    if (input.type === 'OrderAccepted' || input.type === 'OrderRejected') await this.cancels.lockForStart(em, orderId);
    // With a cancel waiting, the start records the order and asks nothing (no RouteOrder): the cancel follows. The
    // order's lock keeps any other request from parking until this transaction ends, so the answer stays true.
    const cancelWaiting = input.type === 'OrderAccepted' && (await this.cancels.waiting(em, orderId));
    const decided: SagaInput = input.type === 'OrderAccepted' ? { ...input, cancelWaiting } : input;
    const applied = await this.sagas.apply(em, orderId, decided, publish);
    if (applied.outcome === 'unknown-order') this.logger.debug('ignored: no stream for this order', { orderId, eventType: input.type });
    // A cancel request that came first was parked: it is decided in this transaction, right after the start.
    if (cancelWaiting) await this.cancels.orderStarted(em, orderId, input.now, publish);
    if (input.type === 'OrderRejected') await this.cancels.orderRejected(em, orderId);
  }

  /** The orchestrator's own status events come back on orders.lifecycle: they already are in the order's stream. */
  @EventPattern(['OrderHeld', 'OrderReleased', 'OrderCancelled', 'OrderCompleted', 'OrderNeedsAttention'])
  ownStatus(): void {
    return undefined;
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

  /** A channel's cancel request (orders.commands): decided, or parked until its order's OrderAccepted (CancelRequests). */
  @EventPattern('CancelOrder')
  async cancel(@Payload() event: EventOf<'CancelOrder'>, @Ctx() ctx: SwitchyardContext): Promise<void> {
    await this.cancels.request(ctx.entityManager, event.payload, Date.now(), (m) => ctx.outbox.add(m));
  }

  /** New ATP for a SKU at a location: wakes the orders waiting for that SKU, oldest back-order first, a bounded number per event. */
  @EventPattern('StockLevelChanged')
  async stockLevel(@Payload() event: EventOf<'StockLevelChanged'>, @Ctx() ctx: SwitchyardContext): Promise<void> {
    if (event.payload.available <= 0) return;
    const waiting = await this.store.waitingFor(ctx.entityManager, event.payload.sku, this.settings.ORCHESTRATOR_WAKE_FANOUT);
    const input: Received<'StockLevelChanged'> = { type: event.type, payload: event.payload, now: Date.now() };
    for (const orderId of waiting) await this.sagas.apply(ctx.entityManager, orderId, input, (m) => ctx.outbox.add(m));
  }
}
