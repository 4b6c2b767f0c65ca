import { dueWorkLoopProvider, SERVICE_SETTINGS } from '@switchyard/service-kit';
import type { CarrierSettings } from './carrier.settings';
import { Selections } from './selections';

/**
 * The durable timer: every SELECTION_SCAN_INTERVAL_MS it closes, in one transaction with their outbox rows,
 * the selections whose deadline passed. The deadlines live in the database, so a restart forgets none, and
 * SKIP LOCKED (in Selections.closeDue) lets several instances scan side by side.
 */
export const deadlineLoop = dueWorkLoopProvider('CARRIER_DEADLINE_LOOP', [Selections, SERVICE_SETTINGS], (selections: Selections, settings: CarrierSettings) => ({
  name: 'closing due carrier selections',
  intervalMs: settings.SELECTION_SCAN_INTERVAL_MS,
  claim: ({ entityManager, now, publish }) => selections.closeDue(entityManager, now, publish),
}));
