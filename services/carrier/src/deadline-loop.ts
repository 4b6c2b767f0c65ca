import type { Provider } from '@nestjs/common';
import { Outbox } from '@switchyard/messaging';
import { DueWorkLoop, SERVICE_SETTINGS, ServiceLogger } from '@switchyard/service-kit';
import { DataSource } from 'typeorm';
import type { CarrierSettings } from './carrier.settings';
import { Selections } from './selections';

/**
 * The durable timer: every SELECTION_SCAN_INTERVAL_MS it closes, in one transaction with their outbox rows,
 * the selections whose deadline passed. The deadlines live in the database, so a restart forgets none, and
 * SKIP LOCKED (in Selections.closeDue) lets several instances scan side by side.
 */
export const deadlineLoop: Provider = {
  provide: 'CARRIER_DEADLINE_LOOP',
  inject: [DataSource, Outbox, Selections, SERVICE_SETTINGS, ServiceLogger],
  useFactory: (dataSource: DataSource, outbox: Outbox, selections: Selections, settings: CarrierSettings, logger: ServiceLogger) =>
    new DueWorkLoop({
      name: 'closing due carrier selections',
      dataSource,
      outbox,
      logger,
      intervalMs: settings.SELECTION_SCAN_INTERVAL_MS,
      claim: ({ entityManager, now, publish }) => selections.closeDue(entityManager, now, publish),
    }),
};
