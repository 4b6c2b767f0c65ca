import type { EventPayload } from '@switchyard/contracts';
import type { Received } from '@switchyard/order-saga';
import type { ServiceLogger } from '@switchyard/service-kit';
import type { EntityManager } from 'typeorm';
import type { Applied, OrderSagas, OutboxSink } from './order-sagas';
import type { OrderStore } from './order-store';
import type { ExpiredCancel, ParkedCancel, ParkedCancels } from './parked-cancels';

const asInput = (payload: EventPayload<'CancelOrder'>, now: number): Received<'CancelOrder'> => ({ type: 'CancelOrder', payload, now });

const about = (payload: EventPayload<'CancelOrder'>) => ({
  orderId: payload.orderId, cancelEventId: payload.metadata.eventId, requestedBy: payload.requestedBy, cancelReason: payload.reason,
});

/**
 * A channel's cancel request (orders.commands) and its order's start (orders.lifecycle) travel on different topics,
 * so the cancel can come first. It is then parked (orchestrator.parked_cancels) in the handler's transaction and
 * applied in the transaction that starts the order's saga; an OrderRejected resolves it (nothing to cancel), and one
 * whose order never comes is refused once ORCHESTRATOR_PARKED_CANCEL_TTL_MS has passed. Every path first takes the
 * order's lock (OrderStore.lockOrder), so a cancel never parks beside a start that has just committed unseen.
 */
export class CancelRequests {
  constructor(
    private readonly sagas: OrderSagas,
    private readonly store: OrderStore,
    private readonly parked: ParkedCancels,
    private readonly logger: ServiceLogger,
    private readonly ttlMs: number,
  ) {}

  /** Decides the request for its order, or parks it when the order is not known yet. */
  async request(em: EntityManager, payload: EventPayload<'CancelOrder'>, now: number, publish: OutboxSink): Promise<void> {
    await this.store.lockOrder(em, payload.orderId);
    const applied = await this.sagas.apply(em, payload.orderId, asInput(payload, now), publish);
    if (applied.outcome === 'rejected' && applied.rejection.code === 'UNKNOWN_ORDER') {
      const parked = await this.parked.park(em, payload, now, now + this.ttlMs);
      if (parked) this.logger.info('cancel request parked until its order is accepted', { ...about(payload), expiresAt: new Date(now + this.ttlMs).toISOString() });
      else this.logger.info('cancel request already parked: a redelivery, kept once', about(payload));
      return;
    }
    this.refused(applied, payload);
  }

  /** Takes the order's lock before its OrderAccepted or OrderRejected is applied (see the class comment). */
  lockForStart(em: EntityManager, orderId: string): Promise<void> {
    return this.store.lockOrder(em, orderId);
  }

  /** Whether a request waits for the order: its start then asks nothing of anyone (`OrderStart.cancelWaiting`). */
  waiting(em: EntityManager, orderId: string): Promise<boolean> {
    return this.parked.any(em, orderId);
  }

  /** The order's OrderAccepted was applied in this transaction: its parked requests are decided now, oldest first. */
  async orderStarted(em: EntityManager, orderId: string, now: number, publish: OutboxSink): Promise<void> {
    const parked = await this.parked.take(em, orderId);
    for (const cancel of parked) await this.applyParked(em, cancel, now, publish);
    if (parked.length === 0) return;
    // The start asked nothing because a cancel waited; the saga never refuses that cancel, but should it, say so.
    const { state } = await this.sagas.current(em, orderId);
    if (state.status === 'Accepted') {
      this.logger.error('order started with a cancel waiting, but no cancel was applied: nothing was asked for it; re-route or cancel it', { orderId });
    }
  }

  /** Intake rejected the order: its parked requests have nothing to cancel and are removed. */
  async orderRejected(em: EntityManager, orderId: string): Promise<void> {
    for (const cancel of await this.parked.take(em, orderId)) {
      this.logger.info('parked cancel request resolved: intake rejected the order, so there is nothing to cancel', {
        ...about(cancel.payload), parkedAt: new Date(cancel.parkedAt).toISOString(),
      });
    }
  }

  /**
   * A parked request whose time ran out: refused (logged at warn, with what was asked and since when). Should its
   * order have started after all, the request is applied instead. False when another instance took it.
   */
  async expire(em: EntityManager, expired: ExpiredCancel, now: number, publish: OutboxSink): Promise<boolean> {
    await this.store.lockOrder(em, expired.orderId);
    const cancel = await this.parked.claim(em, expired);
    if (!cancel) return false;
    const { version } = await this.sagas.current(em, cancel.orderId);
    if (version > 0) {
      await this.applyParked(em, cancel, now, publish);
      return true;
    }
    this.logger.warn('cancel request refused: its order was never accepted', {
      ...about(cancel.payload), code: 'UNKNOWN_ORDER', parkedAt: new Date(cancel.parkedAt).toISOString(), waitedMs: now - cancel.parkedAt,
      detail: `Order ${cancel.orderId} had no OrderAccepted (nor OrderRejected) within ORCHESTRATOR_PARKED_CANCEL_TTL_MS (${this.ttlMs} ms) ` +
        'of this cancel request; the request is dropped. Check the order id the channel sent, and intake.',
    });
    return true;
  }

  private async applyParked(em: EntityManager, cancel: ParkedCancel, now: number, publish: OutboxSink): Promise<void> {
    const applied = await this.sagas.apply(em, cancel.orderId, asInput(cancel.payload, now), publish);
    if (applied.outcome === 'appended') {
      this.logger.info('parked cancel request applied', { ...about(cancel.payload), parkedAt: new Date(cancel.parkedAt).toISOString() });
    }
    this.refused(applied, cancel.payload);
  }

  /** No contract event answers a refused cancel on Kafka: the refusal is logged, the order's status tells the channel. */
  private refused(applied: Applied, payload: EventPayload<'CancelOrder'>): void {
    if (applied.outcome !== 'rejected') return;
    const { code, rejected } = applied.rejection;
    this.logger.warn('cancel request refused', { ...about(payload), code, reason: rejected });
  }
}
