import type { EventPayload } from '@switchyard/contracts';
import type { EntityManager } from 'typeorm';

/** A channel's cancel request kept until its order is known. */
export interface ParkedCancel {
  readonly orderId: string;
  readonly eventId: string;
  readonly payload: EventPayload<'CancelOrder'>;
  readonly parkedAt: number;
}

/** Identifies a parked cancel whose time ran out. */
export interface ExpiredCancel {
  readonly orderId: string;
  readonly eventId: string;
}

/**
 * `orchestrator.parked_cancels`: CancelOrder requests that found no stream for their order. One row per request
 * (order id, event id), so the same request redelivered parks once. Every write happens in the caller's transaction.
 */
export class ParkedCancels {
  /** Keeps the request until `expiresAt`; false when this request (its event id) is parked already. */
  async park(em: EntityManager, payload: EventPayload<'CancelOrder'>, now: number, expiresAt: number): Promise<boolean> {
    const rows: unknown[] = await em.query(
      `INSERT INTO orchestrator.parked_cancels (order_id, event_id, payload, parked_at, expires_at) VALUES ($1, $2, $3::jsonb, $4, $5)
       ON CONFLICT (order_id, event_id) DO NOTHING RETURNING 1`,
      [payload.orderId, payload.metadata.eventId, JSON.stringify(payload), now, expiresAt],
    );
    return rows.length > 0;
  }

  /** Whether any request is parked for the order. */
  async any(em: EntityManager, orderId: string): Promise<boolean> {
    const rows: unknown[] = await em.query('SELECT 1 FROM orchestrator.parked_cancels WHERE order_id = $1 LIMIT 1', [orderId]);
    return rows.length > 0;
  }

  /** Removes and returns the order's parked requests, oldest first. */
  async take(em: EntityManager, orderId: string): Promise<ParkedCancel[]> {
    // Selected from a CTE so the driver answers rows (a bare DELETE … RETURNING comes back as [rows, count]).
    const rows: { event_id: string; payload: EventPayload<'CancelOrder'>; parked_at: string }[] = await em.query(
      `WITH taken AS (DELETE FROM orchestrator.parked_cancels WHERE order_id = $1 RETURNING event_id, payload, parked_at)
       SELECT event_id, payload, parked_at FROM taken ORDER BY parked_at, event_id`,
      [orderId],
    );
    return rows.map((row) => ({ orderId, eventId: row.event_id, payload: row.payload, parkedAt: Number(row.parked_at) }));
  }

  /** Requests whose time ran out by `now`, earliest first (not locked: each is claimed on its own). */
  async expired(em: EntityManager, now: number, limit: number): Promise<ExpiredCancel[]> {
    return em.query(
      `SELECT order_id AS "orderId", event_id AS "eventId" FROM orchestrator.parked_cancels
       WHERE expires_at <= $1 ORDER BY expires_at, order_id, event_id LIMIT $2`,
      [now, limit],
    );
  }

  /** Deletes one parked request and returns it; null when it is gone or another instance holds it. */
  async claim(em: EntityManager, { orderId, eventId }: ExpiredCancel): Promise<ParkedCancel | null> {
    const rows: { payload: EventPayload<'CancelOrder'>; parked_at: string }[] = await em.query(
      'SELECT payload, parked_at FROM orchestrator.parked_cancels WHERE order_id = $1 AND event_id = $2 FOR UPDATE SKIP LOCKED',
      [orderId, eventId],
    );
    if (rows.length === 0) return null;
    await em.query('DELETE FROM orchestrator.parked_cancels WHERE order_id = $1 AND event_id = $2', [orderId, eventId]);
    return { orderId, eventId, payload: rows[0].payload, parkedAt: Number(rows[0].parked_at) };
  }
}
