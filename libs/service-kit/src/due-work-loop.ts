import type { BeforeApplicationShutdown, InjectionToken, OnApplicationBootstrap, Provider } from '@nestjs/common';
import { Outbox, type OutgoingEvent } from '@switchyard/messaging';
import { DataSource, type EntityManager } from 'typeorm';
import { ServiceLogger } from './service-logger';

/** What a piece of due work gets: its transaction, the time it is due against, and the outbox in that transaction. */
export interface DueWorkTransaction {
  readonly entityManager: EntityManager;
  readonly now: Date;
  /** Adds events to the outbox in this transaction: they are published if and only if it commits. */
  publish(events: readonly OutgoingEvent[]): Promise<unknown>;
}

/** The loop's log: a ServiceLogger, or anything with its `error(message, fields)`. */
export interface DueWorkLogger {
  error(message: string, fields?: Record<string, unknown>): void;
}

interface DueWorkLoopCommon {
  /** What the loop does, for its log lines ("closing due carrier selections"). */
  readonly name: string;
  readonly dataSource: DataSource;
  readonly outbox: Outbox;
  readonly logger: DueWorkLogger;
  /** The pause between the end of one tick and the start of the next. */
  readonly intervalMs: number;
  /** The clock (default: the wall clock); a tick reads it once. */
  readonly clock?: () => Date;
  /** Ticks once at start, before the first interval (default: the first tick comes after one interval). */
  readonly tickOnStart?: boolean;
}

/**
 * One transaction per tick: `claim` selects the due rows `FOR UPDATE SKIP LOCKED` (so loops of other instances
 * take other rows, or none) and acts on them in the same transaction. A failure rolls back the whole batch: the
 * rows stay due for the next tick.
 */
export interface DueBatchWork extends DueWorkLoopCommon {
  /** Returns how many rows it handled (or nothing). */
  claim(tx: DueWorkTransaction): Promise<number | void>;
}

/**
 * One transaction per item: `due` lists candidates (a plain read, no lock), then each is handled in a transaction
 * of its own by `act`, which claims its row (`FOR UPDATE SKIP LOCKED`, answering false when another instance has it)
 * and acts. One item that fails is logged and stays due; the others go ahead.
 */
export interface DueItemWork<T> extends DueWorkLoopCommon {
  due(entityManager: EntityManager, now: Date): Promise<readonly T[]>;
  /** Returns false when the item was no longer there to claim; it then does not count as handled. */
  act(tx: DueWorkTransaction, item: T): Promise<boolean | void>;
  /** Log fields naming an item that failed. */
  describe?(item: T): Record<string, unknown>;
}

export type DueWorkLoopOptions<T = unknown> = DueBatchWork | DueItemWork<T>;

/**
 * The durable timer behind "scan the due rows": due times live in the database (a restart forgets none), every
 * `intervalMs` a tick claims what is due and acts on it with the outbox in the same transaction. Ticks never
 * overlap; a failed tick is logged and the rows are tried again at the next one; `stop()` waits for the tick in
 * progress. As a Nest provider (`useFactory: (...) => new DueWorkLoop({...})`) it starts on application bootstrap and
 * stops before shutdown.
 */
export class DueWorkLoop<T = unknown> implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private stopping = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly options: DueWorkLoopOptions<T>) {}

  /** Starts ticking (the first tick after one interval, or at once with `tickOnStart`). Starting a started loop does nothing. */
  start(): void {
    if (this.loop) return;
    this.loop = this.run();
  }

  /** Stops ticking; resolves once the tick in progress (if any) has finished. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    try {
      await this.loop;
    } finally {
      this.loop = undefined;
      this.stopping = false;
    }
  }

  onApplicationBootstrap(): void {
    this.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.stop();
  }

  /**
   * One tick now: returns how many rows or items it handled. Throws where the batch failed (the loop logs that
   * and tries again at the next tick); in per-item work, a failing item is logged and skipped instead.
   */
  async tick(): Promise<number> {
    const now = this.options.clock?.() ?? new Date();
    if ('claim' in this.options) {
      const work = this.options;
      const handled = await work.dataSource.transaction((em) => work.claim(this.transaction(em, now)));
      return typeof handled === 'number' ? handled : 0;
    }
    const work = this.options;
    let handled = 0;
    for (const item of await work.due(work.dataSource.manager, now)) {
      if (this.stopping) break;
      try {
        if ((await work.dataSource.transaction((em) => work.act(this.transaction(em, now), item))) !== false) handled++;
      } catch (error) {
        work.logger.error(`${work.name}: one item failed; it stays due and is tried again at the next tick`, {
          ...work.describe?.(item),
          error: (error as Error).message,
        });
      }
    }
    return handled;
  }

  private transaction(entityManager: EntityManager, now: Date): DueWorkTransaction {
    return { entityManager, now, publish: (events) => this.options.outbox.add(entityManager, events) };
  }

  private async run(): Promise<void> {
    let wait = !this.options.tickOnStart;
    while (!this.stopping) {
      if (wait) await this.sleep();
      wait = true;
      if (this.stopping) return;
      try {
        await this.tick();
      } catch (error) {
        // Rolled back: nothing was done, the rows stay due.
        this.options.logger.error(`${this.options.name} failed; retrying on the next tick`, { error: (error as Error).message });
      }
    }
  }

  /** Waits one interval, or until stop() wakes it. */
  private async sleep(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (this.stopping) return resolve();
      const timeout = setTimeout(resolve, this.options.intervalMs);
      this.wake = () => {
        clearTimeout(timeout);
        resolve();
      };
    });
    this.wake = undefined;
  }
}

/** A loop's own parts: what the service provides besides the database, the outbox and the log. */
export type DueWorkParts<T = unknown> = Omit<DueBatchWork, 'dataSource' | 'outbox' | 'logger'> | Omit<DueItemWork<T>, 'dataSource' | 'outbox' | 'logger'>;

/**
 * A Nest provider of a DueWorkLoop on the service's DataSource, Outbox and ServiceLogger: `parts` gets the
 * providers named in `inject`, in order, and says what the loop does.
 *
 *   dueWorkLoopProvider('DEADLINE_LOOP', [Selections, SERVICE_SETTINGS], (selections: Selections, settings: CarrierSettings) => ({
 *     name: 'closing due carrier selections', intervalMs: settings.SELECTION_SCAN_INTERVAL_MS,
 *     claim: ({ entityManager, now, publish }) => selections.closeDue(entityManager, now, publish),
 *   }))
 */
export function dueWorkLoopProvider<T = unknown>(provide: InjectionToken, inject: readonly InjectionToken[], parts: (...dependencies: never[]) => DueWorkParts<T>): Provider {
  return {
    provide,
    inject: [DataSource, Outbox, ServiceLogger, ...inject],
    useFactory: (dataSource: DataSource, outbox: Outbox, logger: ServiceLogger, ...dependencies: never[]) =>
      new DueWorkLoop<T>({ dataSource, outbox, logger, ...parts(...dependencies) } as DueWorkLoopOptions<T>),
  };
}
