import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_SETTINGS, type DueWorkTransaction } from '@switchyard/service-kit';
import type { EntityManager } from 'typeorm';
import type { AlertContent } from './alerts';
import { Contacts } from './contacts';
import { alertKey, Deliveries } from './deliveries';
import type { NotificationSettings } from './notification.settings';

export type WaitingKind = 'HELD' | 'BACK_ORDERED';

/**
 * What operations alerts watch per order: the promised date (SLA risk) and since when the order waits, held or
 * back-ordered (ageing). The alert loop raises an alert when a watched time passes; each alert is queued through
 * the delivery log, so it is durable and sent once per (order, alert, recipient).
 */
@Injectable()
export class OrderWatch {
  constructor(
    @Inject(SERVICE_SETTINGS) private readonly settings: NotificationSettings,
    @Inject(Deliveries) private readonly deliveries: Deliveries,
    @Inject(Contacts) private readonly contacts: Contacts,
  ) {}

  /** Starts watching an accepted order; a promised date is missed once its day (UTC) has ended. */
  async start(em: EntityManager, orderId: string, promisedDate: string | null): Promise<void> {
    await em.query(
      `INSERT INTO notification.order_watch (order_id, promised_date, promise_due_at)
       VALUES ($1, $2::date, ($2::date + 1)::timestamp AT TIME ZONE 'UTC') ON CONFLICT (order_id) DO NOTHING`,
      [orderId, promisedDate],
    );
  }

  async promisedDate(em: EntityManager, orderId: string): Promise<string | null> {
    const [row]: { promised_date: string | null }[] = await em.query(`SELECT promised_date::text AS promised_date FROM notification.order_watch WHERE order_id = $1`, [orderId]);
    return row?.promised_date ?? null;
  }

  /** The order waits from `since` (the event's time); the ageing alert is due BACKORDER_ALERT_AGE_MS later. A wait already running keeps its start. */
  async waiting(em: EntityManager, orderId: string, kind: WaitingKind, since: Date): Promise<void> {
    await em.query(
      `UPDATE notification.order_watch SET
         ageing_due_at = CASE WHEN waiting_since IS NULL THEN $3::timestamptz + make_interval(secs => $4::double precision / 1000) ELSE ageing_due_at END,
         waiting_since = COALESCE(waiting_since, $3),
         waiting_kind = CASE WHEN waiting_kind = 'HELD' THEN 'HELD' ELSE $2 END
       WHERE order_id = $1`,
      [orderId, kind, since, this.settings.BACKORDER_ALERT_AGE_MS],
    );
  }

  /** The order no longer waits (of any kind, or only of `kind`). */
  async stopWaiting(em: EntityManager, orderId: string, kind?: WaitingKind): Promise<void> {
    await em.query(
      `UPDATE notification.order_watch SET waiting_since = NULL, waiting_kind = NULL, ageing_due_at = NULL WHERE order_id = $1 AND ($2::text IS NULL OR waiting_kind = $2)`,
      [orderId, kind ?? null],
    );
  }

  /** The current hold episode (1 until the first release): one HELD and one RELEASED message per episode. */
  async holdEpisode(em: EntityManager, orderId: string): Promise<number> {
    const [row]: { hold_episode: number }[] = await em.query(`SELECT hold_episode FROM notification.order_watch WHERE order_id = $1`, [orderId]);
    return row?.hold_episode ?? 1;
  }

  /** A release ends the wait and the episode; returns the episode it ended. */
  async released(em: EntityManager, orderId: string): Promise<number> {
    const episode = await this.holdEpisode(em, orderId);
    await this.stopWaiting(em, orderId);
    await em.query(`UPDATE notification.order_watch SET hold_episode = hold_episode + 1 WHERE order_id = $1`, [orderId]);
    return episode;
  }

  /** Completed or cancelled: nothing left to watch. */
  async closed(em: EntityManager, orderId: string): Promise<void> {
    await em.query(`UPDATE notification.order_watch SET waiting_since = NULL, waiting_kind = NULL, ageing_due_at = NULL, promise_due_at = NULL WHERE order_id = $1`, [orderId]);
  }

  /** The SLA-risk alert of an order (once per order, whatever found the risk first). */
  async slaRisk(em: EntityManager, orderId: string, summary: string, facts: AlertContent['facts'], triggeredBy: string, causedBy: string, now: Date): Promise<void> {
    await this.deliveries.queueAlert(em, { statusKey: alertKey('SLA_RISK'), content: await this.alert(em, orderId, 'SLA_RISK', summary, facts), triggeredBy, causedBy }, now);
    await em.query(`UPDATE notification.order_watch SET promise_due_at = NULL WHERE order_id = $1`, [orderId]);
  }

  async alert(em: EntityManager, orderId: string, kind: AlertContent['kind'], summary: string, facts: AlertContent['facts']): Promise<AlertContent> {
    const contact = await this.contacts.of(em, orderId);
    return { template: 'ops-alert', kind, orderId, channelOrderId: contact?.channelOrderId ?? null, summary, facts };
  }

  /** One tick of the alert loop: ageing waits and passed promised dates, claimed FOR UPDATE SKIP LOCKED. */
  async raiseDue(tx: DueWorkTransaction): Promise<number> {
    const em = tx.entityManager;
    const ageing: { order_id: string; waiting_since: Date; waiting_kind: string }[] = await em.query(
      `SELECT order_id, waiting_since, waiting_kind FROM notification.order_watch WHERE ageing_due_at <= $1 ORDER BY ageing_due_at LIMIT 100 FOR UPDATE SKIP LOCKED`,
      [tx.now],
    );
    for (const row of ageing) {
      const hours = Math.floor((tx.now.getTime() - row.waiting_since.getTime()) / 3_600_000);
      const content = await this.alert(em, row.order_id, 'BACKORDER_AGEING', `The order has been ${row.waiting_kind === 'HELD' ? 'held' : 'back-ordered'} since ${row.waiting_since.toISOString()} (${hours} h), longer than the ${Math.round(this.settings.BACKORDER_ALERT_AGE_MS / 3_600_000)} h allowed.`, [
        ['Waiting', row.waiting_kind],
        ['Since', row.waiting_since.toISOString()],
      ]);
      await this.deliveries.queueAlert(em, { statusKey: alertKey('BACKORDER_AGEING', String(row.waiting_since.getTime())), content, triggeredBy: 'BackOrderAgeing', causedBy: `order-watch:${row.order_id}` }, tx.now);
      await em.query(`UPDATE notification.order_watch SET ageing_due_at = NULL WHERE order_id = $1`, [row.order_id]);
    }
    const late: { order_id: string; promised_date: string }[] = await em.query(
      `SELECT order_id, promised_date::text AS promised_date FROM notification.order_watch WHERE promise_due_at <= $1 ORDER BY promise_due_at LIMIT 100 FOR UPDATE SKIP LOCKED`,
      [tx.now],
    );
    for (const row of late) {
      await this.slaRisk(em, row.order_id, `The promised date ${row.promised_date} has passed and the order is not complete.`, [['Promised', row.promised_date]], 'PromisedDatePassed', `order-watch:${row.order_id}`, tx.now);
    }
    return ageing.length + late.length;
  }
}
