import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import type { Outbox } from '@switchyard/messaging';
import type { TimerElapsed } from '@switchyard/order-saga';
import type { ServiceLogger } from '@switchyard/service-kit';
import type { DataSource } from 'typeorm';
import type { OrderSagas } from './order-sagas';
import type { DueTimer, OrderStore } from './order-store';

export interface TimerScannerOptions {
  readonly intervalMs: number;
  readonly batch: number;
}

/**
 * The durable timers' clock: every interval, fires the timers that are due as TimerElapsed, each in its own
 * transaction with the order's new events and outbox rows. A timer row is locked while it fires
 * (FOR UPDATE SKIP LOCKED), so several instances share the work and none fires a timer twice; the row is deleted in
 * the same transaction, so a crash before commit leaves it due for the next scan.
 */
export class TimerScanner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly store: OrderStore,
    private readonly sagas: OrderSagas,
    private readonly outbox: Outbox,
    private readonly logger: ServiceLogger,
    private readonly options: TimerScannerOptions,
  ) {}

  onApplicationBootstrap(): void {
    this.loop = this.run();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }

  /** Fires what is due now; returns how many timers it fired. */
  async scan(now = Date.now()): Promise<number> {
    const due = await this.store.dueTimers(this.dataSource.manager, now, this.options.batch);
    let fired = 0;
    for (const timer of due) {
      if (this.stopped) break;
      try {
        if (await this.fire(timer, now)) fired++;
      } catch (error) {
        // One timer that cannot fire must not hold back the others; it stays due and is tried again next scan.
        this.logger.error(`timer ${timer.timerId} of order ${timer.orderId} could not fire; it stays due and is retried at the next scan`, {
          orderId: timer.orderId,
          timerId: timer.timerId,
          error: (error as Error).message,
        });
      }
    }
    return fired;
  }

  private fire(timer: DueTimer, now: number): Promise<boolean> {
    return this.dataSource.transaction(async (em) => {
      if (!(await this.store.claimTimer(em, timer.timerId))) return false;
      const input: TimerElapsed = {
        type: 'TimerElapsed',
        // A timer fires once, so its id is the input's id: a retried transaction decides the same events.
        payload: { metadata: { eventId: timer.timerId, occurredAt: now, correlationId: timer.orderId, causationId: null }, orderId: timer.orderId, timerId: timer.timerId },
        now,
      };
      await this.sagas.apply(em, timer.orderId, input, (messages) => this.outbox.add(em, messages));
      // Stale timers (cancelled in the stream, or an order not known) go too: the stream already says they do nothing.
      await this.store.deleteTimer(em, timer.timerId);
      return true;
    });
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.scan();
      } catch (error) {
        this.logger.warn('timer scan failed; trying again at the next interval', { error: (error as Error).message });
      }
      await new Promise<void>((resolve) => {
        const timeout = setTimeout(resolve, this.options.intervalMs);
        this.wake = () => {
          clearTimeout(timeout);
          resolve();
        };
      });
    }
  }
}
