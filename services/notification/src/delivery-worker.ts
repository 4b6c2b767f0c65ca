import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { Outbox } from '@switchyard/messaging';
import { SERVICE_SETTINGS, ServiceLogger, type DueWorkTransaction } from '@switchyard/service-kit';
import { DataSource, type EntityManager } from 'typeorm';
import { Deliveries, type ClaimedDelivery } from './deliveries';
import type { NotificationSettings } from './notification.settings';

/**
 * Works the delivery queue as claim → send → record: a short transaction claims what is due (up to the free send
 * slots) and reads what sending needs, the sends run with no transaction open, DELIVERY_CONCURRENCY at a time, and
 * each outcome is recorded in a short transaction of its own. A slow or hanging recipient so holds one slot (for at
 * most its send timeout), never a database connection, a row lock or the other orders' messages.
 *
 * Not a DueWorkLoop: that one acts inside the claiming transaction and one item after another, which is exactly what
 * a network call must not do. Stopping waits for the sends in flight and records them.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly inFlight = new Set<Promise<void>>();
  private stopping = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(
    @Inject(Deliveries) private readonly deliveries: Deliveries,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(Outbox) private readonly outbox: Outbox,
    @Inject(SERVICE_SETTINGS) private readonly settings: NotificationSettings,
    @Inject(ServiceLogger) private readonly logger: ServiceLogger,
  ) {}

  onApplicationBootstrap(): void {
    const longestSend = Math.max(this.settings.SMTP_TIMEOUT_MS, this.settings.WEBHOOK_TIMEOUT_MS);
    if (this.settings.DELIVERY_LEASE_MS <= longestSend) {
      this.logger.warn('DELIVERY_LEASE_MS is not longer than the send timeouts: a slow send may be sent again (same id) before its outcome is recorded', {
        leaseMs: this.settings.DELIVERY_LEASE_MS,
        longestSendTimeoutMs: longestSend,
      });
    }
    this.loop ??= this.run();
  }

  /** Claims no more; waits for the sends in flight (each bounded by its timeout) and records their outcomes. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    if (this.inFlight.size > 0) this.logger.info('waiting for deliveries being sent before stopping', { inFlight: this.inFlight.size });
    await Promise.allSettled([...this.inFlight]);
  }

  private async run(): Promise<void> {
    const slots = this.settings.DELIVERY_CONCURRENCY;
    while (!this.stopping) {
      const free = slots - this.inFlight.size;
      let taken = 0;
      if (free > 0) {
        try {
          taken = await this.claimAndSend(free);
        } catch (error) {
          // Rolled back: nothing claimed, the deliveries stay due.
          this.logger.error('claiming due deliveries failed; retrying on the next tick', { error: (error as Error).message });
        }
      }
      // Every free slot filled: more may be due, go on as soon as a slot frees. Otherwise the queue is drained for now.
      if (this.stopping) break;
      if (this.inFlight.size >= slots) await this.pause(undefined);
      else if (taken < free) await this.pause(this.settings.DELIVERY_SCAN_INTERVAL_MS);
    }
  }

  /** Claims up to `limit` due deliveries (one short transaction) and starts sending them; answers how many rows it took. */
  private async claimAndSend(limit: number): Promise<number> {
    const { claims, taken } = await this.dataSource.transaction((em) => this.deliveries.claim(em, new Date(), limit));
    for (const claim of claims) {
      const sending = this.sendAndRecord(claim).finally(() => {
        this.inFlight.delete(sending);
        this.wake?.();
      });
      this.inFlight.add(sending);
    }
    return taken;
  }

  private async sendAndRecord(claim: ClaimedDelivery): Promise<void> {
    let failure: unknown;
    try {
      await claim.send();
    } catch (error) {
      failure = error ?? new Error('the send failed without a reason');
    }
    try {
      await this.dataSource.transaction((em) => this.deliveries.record(this.transaction(em), claim, failure));
    } catch (error) {
      // The claim's lease runs out and the delivery is sent again with the same id: receivers de-duplicate on it.
      this.logger.error('recording the outcome of a send failed; the delivery is sent again once its lease runs out', {
        deliveryId: claim.deliveryId,
        orderId: claim.orderId,
        sent: failure === undefined,
        error: (error as Error).message,
      });
    }
  }

  private transaction(entityManager: EntityManager): DueWorkTransaction {
    return { entityManager, now: new Date(), publish: (events) => this.outbox.add(entityManager, events) };
  }

  /** Waits `ms` (or, without it, until a send finishes), or until stopping wakes it. */
  private async pause(ms: number | undefined): Promise<void> {
    await new Promise<void>((resolve) => {
      if (this.stopping) return resolve();
      const timeout = ms === undefined ? undefined : setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timeout);
        resolve();
      };
    });
    this.wake = undefined;
  }
}
