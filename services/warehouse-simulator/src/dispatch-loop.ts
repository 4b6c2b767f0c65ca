import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Outbox } from '@switchyard/messaging';
import { SERVICE_SETTINGS, ServiceLogger } from '@switchyard/service-kit';
import { DataSource } from 'typeorm';
import { outgoing, Warehouse } from './warehouse';
import type { SimulatorSettings } from './warehouse-simulator.settings';

/**
 * The durable dispatch timer: every DISPATCH_SCAN_INTERVAL_MS it ships, in one transaction with their outbox
 * rows, the accepted instructions whose dispatch time has come. The due times live in the database, so a
 * restart between acceptance and dispatch still ships each instruction once.
 */
@Injectable()
export class DispatchLoop implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(Outbox) private readonly outbox: Outbox,
    @Inject(Warehouse) private readonly warehouse: Warehouse,
    @Inject(SERVICE_SETTINGS) private readonly settings: SimulatorSettings,
    @Inject(ServiceLogger) private readonly logger: ServiceLogger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.dispatchDue());
    }, this.settings.DISPATCH_SCAN_INTERVAL_MS);
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async dispatchDue(): Promise<void> {
    try {
      await this.dataSource.transaction((em) => this.warehouse.dispatchDue(em, new Date(), (events) => this.outbox.add(em, outgoing(events))));
    } catch (error) {
      // Nothing was shipped: the instructions stay due for the next tick.
      this.logger.error('dispatching due instructions failed; retrying on the next tick', { error: (error as Error).message });
    }
  }
}
