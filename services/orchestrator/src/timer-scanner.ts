import type { TimerElapsed } from '@switchyard/order-saga';
import { dueWorkLoopProvider, SERVICE_SETTINGS, type DueWorkTransaction } from '@switchyard/service-kit';
import { OrderSagas } from './order-sagas';
import { OrderStore, type DueTimer } from './order-store';
import type { OrchestratorSettings } from './orchestrator.settings';

export const TIMER_SCANNER = 'ORCHESTRATOR_TIMER_SCANNER';

/**
 * The durable timers' clock: at start and then every ORCHESTRATOR_TIMER_SCAN_INTERVAL_MS, fires the timers that are
 * due (up to ORCHESTRATOR_TIMER_BATCH, earliest first) as TimerElapsed, each in its own transaction with the order's
 * new events and outbox rows. A timer row is locked while it fires (FOR UPDATE SKIP LOCKED), so several instances
 * share the work and none fires a timer twice; the row is deleted in the same transaction, so a crash before commit
 * leaves it due for the next scan. One timer that cannot fire is logged and stays due; the others go ahead.
 */
export const timerScanner = dueWorkLoopProvider<DueTimer>(
  TIMER_SCANNER,
  [OrderStore, OrderSagas, SERVICE_SETTINGS],
  (store: OrderStore, sagas: OrderSagas, own: OrchestratorSettings) => ({
    name: 'firing due saga timers',
    intervalMs: own.ORCHESTRATOR_TIMER_SCAN_INTERVAL_MS,
    tickOnStart: true,
    due: (entityManager, now) => store.dueTimers(entityManager, now.getTime(), own.ORCHESTRATOR_TIMER_BATCH),
    act: (tx, timer) => fireTimer(store, sagas, tx, timer),
    describe: (timer) => ({ orderId: timer.orderId, timerId: timer.timerId }),
  }),
);

/** Claims the timer and applies its TimerElapsed; false when another instance fired it (or it is gone). */
async function fireTimer(store: OrderStore, sagas: OrderSagas, { entityManager, now, publish }: DueWorkTransaction, timer: DueTimer): Promise<boolean> {
  if (!(await store.claimTimer(entityManager, timer.timerId))) return false;
  const at = now.getTime();
  const input: TimerElapsed = {
    type: 'TimerElapsed',
    // A timer fires once, so its id is the input's id: a retried transaction decides the same events.
    payload: { metadata: { eventId: timer.timerId, occurredAt: at, correlationId: timer.orderId, causationId: null }, orderId: timer.orderId, timerId: timer.timerId },
    now: at,
  };
  await sagas.apply(entityManager, timer.orderId, input, publish);
  // Stale timers (cancelled in the stream, or an order not known) go too: the stream already says they do nothing.
  await store.deleteTimer(entityManager, timer.timerId);
  return true;
}
