import { RetriableError, type OutgoingEvent } from '@switchyard/messaging';
import {
  decide, evolve, isRejection, outgoingMessages, replay, type Rejection, type SagaEvent, type SagaInput, type SagaPolicy, type SagaState,
} from '@switchyard/order-saga';
import type { ServiceLogger } from '@switchyard/service-kit';
import type { EntityManager } from 'typeorm';
import type { OrderStore } from './order-store';

/** Where a decision's messages go: the outbox of the same transaction. */
export type OutboxSink = (messages: readonly OutgoingEvent[]) => Promise<unknown>;

/** What one input did to one order. */
export type Applied =
  | { readonly outcome: 'appended'; readonly events: readonly SagaEvent[]; readonly state: SagaState; readonly version: number }
  /** A duplicate, a stale reply or a timer no longer live: nothing to write. */
  | { readonly outcome: 'nothing'; readonly state: SagaState; readonly version: number }
  /** A reply about an order this orchestrator has no stream for. */
  | { readonly outcome: 'unknown-order' }
  | { readonly outcome: 'rejected'; readonly rejection: Rejection; readonly state: SagaState; readonly version: number };

/** Inputs that may find an order with no stream yet: the saga decides about them (start, record, or refuse). */
const MAY_START = new Set<SagaInput['type']>(['OrderAccepted', 'OrderRejected', 'CancelOrder', 'HoldOrder', 'ReleaseOrder', 'RerouteOrder']);

const SAVEPOINT = 'orchestrator_append';

const isUniqueViolation = (error: unknown): boolean => {
  const e = error as { code?: string; driverError?: { code?: string } };
  return (e.code ?? e.driverError?.code) === '23505';
};

/**
 * The saga wrapped for the database: load the order's stream, replay, decide, then append the new events at the
 * next versions together with the timer rows, the back-order index and the outbox messages, all in the caller's
 * transaction. A concurrent writer of the same order (another consumer, the timer scanner, an HTTP request) makes
 * the append hit the primary key; the attempt is rolled back to a savepoint and decided again on the fresh stream.
 */
export class OrderSagas {
  constructor(
    private readonly store: OrderStore,
    private readonly policy: SagaPolicy,
    private readonly logger: ServiceLogger,
    private readonly maxAttempts: number,
  ) {}

  async apply(em: EntityManager, orderId: string, input: SagaInput, publish: OutboxSink): Promise<Applied> {
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      await em.query(`SAVEPOINT ${SAVEPOINT}`);
      try {
        const applied = await this.attempt(em, orderId, input);
        await em.query(`RELEASE SAVEPOINT ${SAVEPOINT}`);
        if (applied.outcome === 'appended') {
          // A location's instruction topic that does not exist yet is made by the relay, outside this transaction.
          await publish(outgoingMessages(applied.events));
        }
        return applied;
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        await em.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`);
        this.logger.info('order stream changed under this decision; deciding again', { orderId, eventType: input.type, attempt });
      }
    }
    throw new RetriableError(
      `Order ${orderId}: ${this.maxAttempts} attempts to append the outcome of ${input.type} lost to concurrent writers of the same order; ` +
        'the input is retried. If this repeats, look for a runaway writer of this order, or raise ORCHESTRATOR_APPEND_ATTEMPTS.',
    );
  }

  /** The order's current state and version, read in the caller's transaction. */
  async current(em: EntityManager, orderId: string): Promise<{ state: SagaState; version: number }> {
    const { events, version } = await this.store.load(em, orderId);
    return { state: replay(events), version };
  }

  private async attempt(em: EntityManager, orderId: string, input: SagaInput): Promise<Applied> {
    const { events, version } = await this.store.load(em, orderId);
    if (version === 0 && !MAY_START.has(input.type)) return { outcome: 'unknown-order' };
    const state = replay(events);
    const outcome = decide(input, state, this.policy);
    if (isRejection(outcome)) return { outcome: 'rejected', rejection: outcome, state, version };
    if (outcome.length === 0) return { outcome: 'nothing', state, version };
    const after = outcome.reduce(evolve, state);
    await this.store.append(em, orderId, version, outcome);
    await this.store.applyTimers(em, orderId, outcome);
    await this.store.indexBackOrders(em, orderId, state, after, input.now);
    return { outcome: 'appended', events: outcome, state: after, version: version + outcome.length };
  }
}
