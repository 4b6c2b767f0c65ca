import { dueWorkLoopProvider, SERVICE_SETTINGS } from '@switchyard/service-kit';
import { CancelRequests } from './cancel-requests';
import type { OrchestratorSettings } from './orchestrator.settings';
import { ParkedCancels, type ExpiredCancel } from './parked-cancels';

export const PARKED_CANCEL_EXPIRY = 'ORCHESTRATOR_PARKED_CANCEL_EXPIRY';

/**
 * Refuses parked cancel requests whose order never came: every ORCHESTRATOR_TIMER_SCAN_INTERVAL_MS, up to
 * ORCHESTRATOR_TIMER_BATCH requests past ORCHESTRATOR_PARKED_CANCEL_TTL_MS, each in its own transaction (its row
 * locked FOR UPDATE SKIP LOCKED, so instances share the work and none refuses a request twice).
 */
export const parkedCancelExpiry = dueWorkLoopProvider<ExpiredCancel>(
  PARKED_CANCEL_EXPIRY,
  [ParkedCancels, CancelRequests, SERVICE_SETTINGS],
  (parked: ParkedCancels, cancels: CancelRequests, own: OrchestratorSettings) => ({
    name: 'refusing expired parked cancel requests',
    intervalMs: own.ORCHESTRATOR_TIMER_SCAN_INTERVAL_MS,
    tickOnStart: true,
    due: (entityManager, now) => parked.expired(entityManager, now.getTime(), own.ORCHESTRATOR_TIMER_BATCH),
    act: ({ entityManager, now, publish }, expired) => cancels.expire(entityManager, expired, now.getTime(), publish),
    describe: (expired) => ({ orderId: expired.orderId, cancelEventId: expired.eventId }),
  }),
);
