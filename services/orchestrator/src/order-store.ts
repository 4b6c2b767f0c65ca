import { awaitedStock, hasProgress, isTerminal, type SagaEvent, type SagaState } from '@switchyard/order-saga';
import type { EntityManager } from 'typeorm';

/** One row of an order's stream, as the ops timeline shows it. */
export interface StoredEvent {
  readonly version: number;
  readonly type: string;
  readonly payload: Record<string, unknown>;
  readonly recordedAt: string;
}

export interface DueTimer {
  readonly timerId: string;
  readonly orderId: string;
}

/**
 * The SKUs whose stock could move an order on now (held for stock, nothing in flight, no operator hold): its short
 * ones only, so signals about SKUs it does not lack neither wake it nor use up a wake-up fan-out slot.
 */
export function wakeableSkus(state: SagaState): string[] {
  if (!hasProgress(state) || isTerminal(state) || state.hold || state.step || state.heldLines.length === 0) return [];
  return [...new Set(awaitedStock(state).map((line) => line.sku))].sort();
}

/**
 * The orchestrator's tables (schema orchestrator): the order event store, the durable timers and the back-order
 * index. Every write happens in the caller's transaction, so it commits with the events it follows from.
 */
export class OrderStore {
  /** The order's stream, oldest first, and its version (the number of events). */
  async load(em: EntityManager, orderId: string): Promise<{ events: SagaEvent[]; version: number }> {
    const rows: { type: string; payload: Record<string, unknown> }[] = await em.query(
      'SELECT type, payload FROM orchestrator.order_events WHERE order_id = $1 ORDER BY version',
      [orderId],
    );
    return { events: rows.map((row) => ({ type: row.type, payload: row.payload }) as unknown as SagaEvent), version: rows.length };
  }

  /**
   * Serialises, until the caller's transaction ends, the writers that must see each other's commits although they
   * write different tables: an order's start and a cancel request parked for it (CancelRequests).
   */
  async lockOrder(em: EntityManager, orderId: string): Promise<void> {
    await em.query(`SELECT pg_advisory_xact_lock(hashtextextended('switchyard.orchestrator.order:' || $1, 0))`, [orderId]);
  }

  /** Appends at versions `loaded + 1…`; a concurrent writer that got there first makes this fail with a unique violation (23505). */
  async append(em: EntityManager, orderId: string, loaded: number, events: readonly SagaEvent[]): Promise<void> {
    await em.query(
      `INSERT INTO orchestrator.order_events (order_id, version, type, payload)
       SELECT $1, $2 + e.n, e.type, e.payload::jsonb FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS e(type, payload, n)`,
      [orderId, loaded, events.map((e) => e.type), events.map((e) => JSON.stringify(e.payload))],
    );
  }

  /** Keeps the timer table in step with the stream: a row per live timer. */
  async applyTimers(em: EntityManager, orderId: string, events: readonly SagaEvent[]): Promise<void> {
    for (const event of events) {
      if (event.type === 'TimerScheduled') {
        const { timerId, purpose, shipmentId, dueAt } = event.payload;
        await em.query(
          'INSERT INTO orchestrator.timers (timer_id, order_id, purpose, shipment_id, due_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (timer_id) DO NOTHING',
          [timerId, orderId, purpose, shipmentId, dueAt],
        );
      } else if (event.type === 'TimerCancelled' || event.type === 'TimerElapsed') {
        await this.deleteTimer(em, event.payload.timerId);
      }
    }
  }

  async deleteTimer(em: EntityManager, timerId: string): Promise<void> {
    await em.query('DELETE FROM orchestrator.timers WHERE timer_id = $1', [timerId]);
  }

  /** Timers due by `now`, earliest first (not locked: each is claimed on its own by claimTimer). */
  async dueTimers(em: EntityManager, now: number, limit: number): Promise<DueTimer[]> {
    return em.query(
      'SELECT timer_id AS "timerId", order_id AS "orderId" FROM orchestrator.timers WHERE due_at <= $1 ORDER BY due_at, timer_id LIMIT $2',
      [now, limit],
    );
  }

  /** Locks one timer row until the caller's transaction ends; false when it is gone or another instance holds it. */
  async claimTimer(em: EntityManager, timerId: string): Promise<boolean> {
    const rows: unknown[] = await em.query('SELECT 1 FROM orchestrator.timers WHERE timer_id = $1 FOR UPDATE SKIP LOCKED', [timerId]);
    return rows.length > 0;
  }

  /** Keeps the back-order index in step: the SKUs the order can be woken for, since when. */
  async indexBackOrders(em: EntityManager, orderId: string, before: SagaState, after: SagaState, now: number): Promise<void> {
    const was = wakeableSkus(before);
    const is = wakeableSkus(after);
    if (was.join('\u0000') === is.join('\u0000')) return;
    await em.query('DELETE FROM orchestrator.back_orders WHERE order_id = $1 AND NOT (sku = ANY($2::text[]))', [orderId, is]);
    if (is.length > 0) {
      await em.query(
        'INSERT INTO orchestrator.back_orders (sku, order_id, held_since) SELECT s, $1, $2 FROM unnest($3::text[]) AS s ON CONFLICT DO NOTHING',
        [orderId, now, is],
      );
    }
  }

  /** Orders waiting for this SKU, oldest back-order first, at most `limit`. */
  async waitingFor(em: EntityManager, sku: string, limit: number): Promise<string[]> {
    const rows: { order_id: string }[] = await em.query(
      'SELECT order_id FROM orchestrator.back_orders WHERE sku = $1 ORDER BY held_since, order_id LIMIT $2',
      [sku, limit],
    );
    return rows.map((row) => row.order_id);
  }

  /** The order's stream with versions and times, for operations. */
  async timeline(em: EntityManager, orderId: string): Promise<StoredEvent[]> {
    return em.query(
      `SELECT version, type, payload, to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "recordedAt"
       FROM orchestrator.order_events WHERE order_id = $1 ORDER BY version`,
      [orderId],
    );
  }
}
