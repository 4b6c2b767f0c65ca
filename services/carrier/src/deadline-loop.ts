import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Outbox } from '@switchyard/messaging';
import { SERVICE_SETTINGS, ServiceLogger } from '@switchyard/service-kit';
import { DataSource } from 'typeorm';
import type { CarrierSettings } from './carrier.settings';
import { Selections } from './selections';

/**
 * The durable timer: every SELECTION_SCAN_INTERVAL_MS it closes, in one transaction with their outbox rows,
 * the selections whose deadline passed. The deadlines live in the database, so a restart forgets none, and
 * SKIP LOCKED lets several instances scan side by side.
 */
@Injectable()
export class DeadlineLoop implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private tick: Promise<void> = Promise.resolve();

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(Outbox) private readonly outbox: Outbox,
    @Inject(Selections) private readonly selections: Selections,
    @Inject(SERVICE_SETTINGS) private readonly settings: CarrierSettings,
    @Inject(ServiceLogger) private readonly logger: ServiceLogger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.tick = this.tick.then(() => this.closeDue());
    }, this.settings.SELECTION_SCAN_INTERVAL_MS);
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.tick;
  }

  private async closeDue(): Promise<void> {
    try {
      await this.dataSource.transaction((em) => this.selections.closeDue(em, new Date(), (events) => this.outbox.add(em, events)));
    } catch (error) {
      // The rows stay open and due: the next tick tries again.
      this.logger.error('closing due carrier selections failed; retrying on the next tick', { error: (error as Error).message });
    }
  }
}
