import { dueWorkLoopProvider, SERVICE_SETTINGS } from '@switchyard/service-kit';
import { outgoing, Warehouse } from './warehouse';
import type { SimulatorSettings } from './warehouse-simulator.settings';

/**
 * The durable dispatch timer: every DISPATCH_SCAN_INTERVAL_MS it ships, in one transaction with their outbox
 * rows, the accepted instructions whose dispatch time has come. The due times live in the database, so a
 * restart between acceptance and dispatch still ships each instruction once.
 */
export const dispatchLoop = dueWorkLoopProvider('WAREHOUSE_DISPATCH_LOOP', [Warehouse, SERVICE_SETTINGS], (warehouse: Warehouse, settings: SimulatorSettings) => ({
  name: 'dispatching due instructions',
  intervalMs: settings.DISPATCH_SCAN_INTERVAL_MS,
  claim: ({ entityManager, now, publish }) => warehouse.dispatchDue(entityManager, now, (events) => publish(outgoing(events))),
}));
