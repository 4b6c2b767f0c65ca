import type { Provider } from '@nestjs/common';
import { Outbox } from '@switchyard/messaging';
import { DueWorkLoop, SERVICE_SETTINGS, ServiceLogger } from '@switchyard/service-kit';
import { DataSource } from 'typeorm';
import { outgoing, Warehouse } from './warehouse';
import type { SimulatorSettings } from './warehouse-simulator.settings';

/**
 * The durable dispatch timer: every DISPATCH_SCAN_INTERVAL_MS it ships, in one transaction with their outbox
 * rows, the accepted instructions whose dispatch time has come. The due times live in the database, so a
 * restart between acceptance and dispatch still ships each instruction once.
 */
export const dispatchLoop: Provider = {
  provide: 'WAREHOUSE_DISPATCH_LOOP',
  inject: [DataSource, Outbox, Warehouse, SERVICE_SETTINGS, ServiceLogger],
  useFactory: (dataSource: DataSource, outbox: Outbox, warehouse: Warehouse, settings: SimulatorSettings, logger: ServiceLogger) =>
    new DueWorkLoop({
      name: 'dispatching due instructions',
      dataSource,
      outbox,
      logger,
      intervalMs: settings.DISPATCH_SCAN_INTERVAL_MS,
      claim: ({ entityManager, now, publish }) => warehouse.dispatchDue(entityManager, now, (events) => publish(outgoing(events))),
    }),
};
