import { EntityManager } from 'typeorm';
import { SCHEMA } from '../schema';
import { evolve, OrderProgress, OrderStatus, summarise, TimelineEvent } from './order-status';

export interface TimelineEntry {
  readonly at: string;
  readonly event: string;
  readonly summary: string;
}

export interface OrderView {
  readonly orderId: string;
  readonly channel: string;
  readonly channelOrderId: string;
  readonly status: OrderStatus;
  readonly market: string | null;
  readonly receivedAt: string;
  readonly receivedVia: string;
  readonly rejection: { readonly reason: string; readonly problems: readonly { path: string; problem: string }[] } | null;
  readonly conflictsWithOrderId: string | null;
  readonly cancelRequestedAt: string | null;
  readonly timeline: readonly TimelineEntry[];
}

interface OrderRow {
  order_id: string;
  channel: string;
  channel_order_id: string;
  status: OrderStatus;
  market: string | null;
  received_at: Date;
  received_via: string;
  rejection_reason: string | null;
  rejection_problems: { path: string; problem: string }[] | null;
  conflicts_with_order_id: string | null;
  cancel_requested_at: Date | null;
}

/**
 * Intake's own view of each order it recorded: status and timeline, kept from the events on orders.lifecycle,
 * routing.events and fulfilment.events (never from another service's tables). Each event counts once: its
 * event id is the timeline entry's key.
 */
export class OrderProjection {
  /** Records the event for its order (if intake has that order) and moves the status on; a repeat changes nothing. */
  async apply(em: EntityManager, event: TimelineEvent): Promise<void> {
    const { orderId, metadata } = event.payload;
    const added: unknown[] = await em.query(
      `INSERT INTO ${SCHEMA}.order_timeline (event_id, order_id, occurred_at, event_type, summary)
       SELECT $1, $2, to_timestamp($3::double precision / 1000), $4, $5 WHERE EXISTS (SELECT 1 FROM ${SCHEMA}.orders WHERE order_id = $2)
       ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
      [metadata.eventId, orderId, metadata.occurredAt, event.type, summarise(event)],
    );
    if (added.length === 0) return;
    const rows: { status: OrderStatus; ordered_quantities: Record<string, number>; dispatched_quantities: Record<string, number> }[] = await em.query(
      `SELECT status, ordered_quantities, dispatched_quantities FROM ${SCHEMA}.orders WHERE order_id = $1 FOR UPDATE`,
      [orderId],
    );
    const before: OrderProgress = { status: rows[0].status, ordered: rows[0].ordered_quantities, dispatched: rows[0].dispatched_quantities };
    const after = evolve(before, event);
    const cancelRequested = event.type === 'CancelOrder';
    if (after === before && !cancelRequested) return;
    await em.query(
      `UPDATE ${SCHEMA}.orders SET status = $2, dispatched_quantities = $3, updated_at = now(),
              cancel_requested_at = CASE WHEN $4 THEN coalesce(cancel_requested_at, now()) ELSE cancel_requested_at END
        WHERE order_id = $1`,
      [orderId, after.status, JSON.stringify(after.dispatched), cancelRequested],
    );
  }

  /** The order as its channel may see it, or undefined when it does not exist or belongs to another channel. */
  async find(em: EntityManager, channel: string, orderId: string): Promise<OrderView | undefined> {
    const rows: OrderRow[] = await em.query(`SELECT * FROM ${SCHEMA}.orders WHERE order_id = $1 AND channel = $2`, [orderId, channel]);
    return rows[0] && this.view(em, rows[0]);
  }

  /** The current order under a channel order id (a corrected resend replaces a rejected one). */
  async findByChannelOrderId(em: EntityManager, channel: string, channelOrderId: string): Promise<OrderView | undefined> {
    const rows: OrderRow[] = await em.query(`SELECT * FROM ${SCHEMA}.orders WHERE channel = $1 AND channel_order_id = $2 AND is_current`, [channel, channelOrderId]);
    return rows[0] && this.view(em, rows[0]);
  }

  private async view(em: EntityManager, row: OrderRow): Promise<OrderView> {
    const entries: { occurred_at: Date; event_type: string; summary: string }[] = await em.query(
      `SELECT occurred_at, event_type, summary FROM ${SCHEMA}.order_timeline WHERE order_id = $1 ORDER BY occurred_at, seq`,
      [row.order_id],
    );
    return {
      orderId: row.order_id,
      channel: row.channel,
      channelOrderId: row.channel_order_id,
      status: row.status,
      market: row.market,
      receivedAt: row.received_at.toISOString(),
      receivedVia: row.received_via,
      rejection: row.rejection_reason ? { reason: row.rejection_reason, problems: row.rejection_problems ?? [] } : null,
      conflictsWithOrderId: row.conflicts_with_order_id,
      cancelRequestedAt: row.cancel_requested_at?.toISOString() ?? null,
      timeline: entries.map((entry) => ({ at: entry.occurred_at.toISOString(), event: entry.event_type, summary: entry.summary })),
    };
  }
}
