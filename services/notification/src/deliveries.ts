import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AnyEvent, keyOf, topicOf } from '@switchyard/contracts';
import type { OutgoingEvent } from '@switchyard/messaging';
import { SERVICE_SETTINGS, ServiceLogger, type DueWorkTransaction } from '@switchyard/service-kit';
import type { EntityManager } from 'typeorm';
import { renderAlertEmail, slackPayload, type AlertContent, type AlertKind } from './alerts';
import { Contacts, ERASED, type OrderContact } from './contacts';
import { EmailSender, withoutAddresses } from './email-sender';
import type { NotificationSettings } from './notification.settings';
import { renderEmail, type MessageContent } from './templates';
import { webhookBody, WebhookSender } from './webhook-sender';

/** One message to send, before it is queued: the key (order, status, recipient) comes from it. */
export interface NewDelivery {
  readonly orderId: string;
  /** The meaningful change, e.g. ACCEPTED or DISPATCHED:<fulfilmentId>; its first part is the opt-out category. */
  readonly statusKey: string;
  readonly content: MessageContent;
  /** Whether the customer is emailed (see the status table in docs/notification.md); the channel's webhook always hears. */
  readonly toCustomer: boolean;
  readonly triggeredBy: string;
  readonly causedBy: string;
}

/** One operations alert, before it is queued (key: order, `ALERT:<kind>[:<episode>]`, ops recipient). */
export interface NewAlert {
  readonly statusKey: string;
  readonly content: AlertContent;
  readonly triggeredBy: string;
  readonly causedBy: string;
}

export type DeliveryState = 'PENDING' | 'SENT' | 'FAILED';
export type Medium = 'EMAIL' | 'WEBHOOK';

export interface DeliveryView {
  readonly deliveryId: string;
  readonly orderId: string;
  readonly statusKey: string;
  /** `email:<contactReference>`, `webhook:<channel>`, `ops:email` or `ops:webhook`: never an address. */
  readonly recipient: string;
  readonly medium: Medium;
  readonly template: string;
  readonly state: DeliveryState;
  readonly attempts: number;
  readonly lastError: string | null;
}

export interface DeliveryPage {
  readonly deliveries: DeliveryView[];
  /** Pass as `after` for the next page; null on the last page. */
  readonly next: string | null;
}

export type RedeliveryOutcome = 'REQUEUED' | 'NOT_FOUND' | 'NOT_FAILED' | 'ERASED';

/** A claimed row: the delivery's columns, with what sending and recording it need. */
interface ClaimRow extends Omit<DeliveryRow, 'state' | 'last_error'> {
  triggered_by: string;
  caused_by: string;
  content: MessageContent | AlertContent;
  claim_token: string;
  lease_ran_out: boolean;
}

/** One try of a delivery, claimed and ready to send with no transaction open; `send` holds the address or endpoint read at claim time. */
export interface ClaimedDelivery {
  readonly deliveryId: string;
  readonly orderId: string;
  readonly medium: Medium;
  /** Only the claim holding this token may record the try. */
  readonly token: string;
  /** This try's number (1 for the first). */
  readonly attempt: number;
  readonly send: () => Promise<void>;
  /** The contact reference for CustomerNotified; none for operations alerts. */
  readonly notify: string | undefined;
  readonly row: { readonly template: string; readonly medium: Medium; readonly triggered_by: string; readonly caused_by: string };
}

/** What recording a try did: NOT_OURS when the claim had run out or the delivery was stopped meanwhile. */
export type RecordOutcome = 'SENT' | 'RETRY' | 'FAILED' | 'NOT_OURS';

interface DeliveryRow {
  delivery_id: string;
  order_id: string;
  status_key: string;
  recipient: string;
  medium: Medium;
  template: string;
  state: DeliveryState;
  attempts: number;
  last_error: string | null;
}

const VIEW_COLUMNS = 'delivery_id, order_id, status_key, recipient, medium, template, state, attempts, last_error';
const toView = (r: DeliveryRow): DeliveryView => ({
  deliveryId: r.delivery_id,
  orderId: r.order_id,
  statusKey: r.status_key,
  recipient: r.recipient,
  medium: r.medium,
  template: r.template,
  state: r.state,
  attempts: r.attempts,
  lastError: r.last_error,
});

export const OPS_EMAIL_RECIPIENT = 'ops:email';
export const OPS_WEBHOOK_RECIPIENT = 'ops:webhook';

const toOutgoing = (event: AnyEvent): OutgoingEvent => ({ topic: topicOf(event), key: keyOf(event), event });

const customerNotified = (claim: ClaimedDelivery, contactReference: string, now: Date): AnyEvent => ({
  type: 'CustomerNotified',
  payload: {
    metadata: { eventId: randomUUID(), occurredAt: now.getTime(), correlationId: claim.orderId, causationId: claim.row.caused_by },
    orderId: claim.orderId,
    notificationId: claim.deliveryId,
    template: claim.row.template,
    medium: claim.row.medium,
    triggeredBy: claim.row.triggered_by,
    contactReference,
  },
});

/** How one try of a delivery goes out; `notify` names the contact reference for CustomerNotified (none for operations). */
interface Send {
  readonly send: () => Promise<void>;
  readonly notify?: string;
}

/**
 * The delivery log, which is also the durable queue: a status event queues its messages in the handler's
 * transaction; the delivery worker claims what is due, sends it with no transaction open, and records SENT
 * (publishing CustomerNotified in the same transaction, for customer and channel messages), the next try with
 * doubling backoff, or, after DELIVERY_MAX_ATTEMPTS, FAILED.
 */
@Injectable()
export class Deliveries {
  constructor(
    @Inject(SERVICE_SETTINGS) private readonly settings: NotificationSettings,
    @Inject(Contacts) private readonly contacts: Contacts,
    @Inject(EmailSender) private readonly email: EmailSender,
    @Inject(WebhookSender) private readonly webhooks: WebhookSender,
    @Inject(ServiceLogger) private readonly logger: ServiceLogger,
  ) {}

  /**
   * Queues the messages one status change deserves: the customer's email (when the status is one customers hear
   * about, they have an address, and they did not opt out of its category) and the channel's webhook (when the
   * channel registered one; it carries no contact data, so it is sent whatever the customer's preferences).
   * A (order, status, recipient) queued before queues nothing.
   */
  async queue(em: EntityManager, contact: OrderContact, delivery: NewDelivery, now: Date): Promise<void> {
    const category = delivery.statusKey.split(':')[0] as string;
    if (!delivery.toCustomer) {
      // a status the customer is not emailed about (see the status table)
    } else if (contact.email === null || contact.contactReference === null) {
      this.logger.info('customer has no email address (opted out, erased or unknown); no email', { orderId: delivery.orderId, status: delivery.statusKey });
    } else if (await this.contacts.optedOut(em, contact, category)) {
      this.logger.info('customer opted out of this kind of email; no email', { orderId: delivery.orderId, status: delivery.statusKey, category });
    } else {
      await this.insert(em, { ...delivery, medium: 'EMAIL', recipient: `email:${contact.contactReference}` }, now);
    }
    const [webhook]: unknown[] = await em.query(`SELECT 1 FROM notification.channel_webhooks WHERE channel = $1`, [contact.channel]);
    if (webhook) await this.insert(em, { ...delivery, medium: 'WEBHOOK', recipient: `webhook:${contact.channel}` }, now);
  }

  /** Queues an operations alert to each configured operations recipient (OPS_WEBHOOK_URL, OPS_EMAIL). */
  async queueAlert(em: EntityManager, alert: NewAlert, now: Date): Promise<void> {
    const { orderId, kind } = alert.content;
    const recipients: [Medium, string][] = [];
    if (this.settings.OPS_WEBHOOK_URL) recipients.push(['WEBHOOK', OPS_WEBHOOK_RECIPIENT]);
    if (this.settings.OPS_EMAIL) recipients.push(['EMAIL', OPS_EMAIL_RECIPIENT]);
    if (recipients.length === 0) {
      this.logger.warn('operations alert with no OPS_WEBHOOK_URL or OPS_EMAIL to send it to; logged only', { orderId, alert: kind, summary: alert.content.summary });
      return;
    }
    for (const [medium, recipient] of recipients) await this.insert(em, { ...alert, orderId, medium, recipient }, now);
  }

  private async insert(
    em: EntityManager,
    d: { orderId: string; statusKey: string; content: MessageContent | AlertContent; triggeredBy: string; causedBy: string; medium: Medium; recipient: string },
    now: Date,
  ): Promise<void> {
    const inserted: unknown[] = await em.query(
      `INSERT INTO notification.deliveries (delivery_id, order_id, status_key, recipient, medium, template, triggered_by, caused_by, content, state, next_attempt_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'PENDING', $10)
       ON CONFLICT (order_id, status_key, recipient) DO NOTHING RETURNING delivery_id`,
      [randomUUID(), d.orderId, d.statusKey, d.recipient, d.medium, d.content.template, d.triggeredBy, d.causedBy, JSON.stringify(d.content), now],
    );
    if (inserted.length === 0) this.logger.info('message for this status already queued; nothing new', { orderId: d.orderId, status: d.statusKey, medium: d.medium });
  }

  /**
   * Claims up to `limit` due deliveries in the caller's (short) transaction and reads all that sending them needs:
   * each becomes PENDING with a fresh claim token, its try counted, and `next_attempt_at` pushed to the end of its
   * lease (DELIVERY_LEASE_MS), so no other claim takes it while it is being sent, and a claim whose outcome is never
   * recorded (the service stopped) runs out and the delivery is sent again. One that cannot be sent at all FAILS here.
   * `taken` counts every row claimed, so the caller knows whether more may be due.
   *
   * Messages to one recipient about one order keep their queue order: a delivery is not taken while an earlier one
   * of the same (order, recipient) is being sent or due too (so "on its way" never overtakes "received"); an earlier
   * one waiting for its next try does not hold it back.
   */
  async claim(em: EntityManager, now: Date, limit: number): Promise<{ claims: ClaimedDelivery[]; taken: number }> {
    // An UPDATE answers [rows, count].
    const [rows]: [ClaimRow[], number] = await em.query(
      `WITH due AS (
         SELECT d.delivery_id, d.claim_token FROM notification.deliveries d
         WHERE d.state = 'PENDING' AND d.next_attempt_at <= $1
           AND NOT EXISTS (
             SELECT 1 FROM notification.deliveries e
             WHERE e.order_id = d.order_id AND e.recipient = d.recipient AND e.seq < d.seq AND e.state = 'PENDING' AND (e.next_attempt_at <= $1 OR e.claim_token IS NOT NULL)
           )
         ORDER BY d.next_attempt_at, d.seq LIMIT $2 FOR UPDATE SKIP LOCKED
       )
       UPDATE notification.deliveries d SET claim_token = gen_random_uuid(), attempts = d.attempts + 1, next_attempt_at = $3
       FROM due WHERE d.delivery_id = due.delivery_id
       RETURNING d.delivery_id, d.order_id, d.status_key, d.recipient, d.medium, d.template, d.triggered_by, d.caused_by, d.content, d.attempts,
                 d.claim_token, due.claim_token IS NOT NULL AS lease_ran_out`,
      [now, limit, new Date(now.getTime() + this.settings.DELIVERY_LEASE_MS)],
    );
    const claims: ClaimedDelivery[] = [];
    for (const row of rows) {
      const claim = { deliveryId: row.delivery_id, token: row.claim_token, attempt: row.attempts, orderId: row.order_id, medium: row.medium };
      if (row.lease_ran_out) this.logger.warn('a try of this delivery recorded no outcome before its lease ran out (the service stopped, or the send outlasted DELIVERY_LEASE_MS); sending it again with the same id', { deliveryId: claim.deliveryId, orderId: claim.orderId, attempt: claim.attempt });
      if (claim.attempt > this.settings.DELIVERY_MAX_ATTEMPTS) {
        // Only a try that never recorded its outcome leaves the count beyond the budget.
        await this.fail(em, claim.deliveryId, claim.attempt - 1, 'the last try recorded no outcome (the service stopped during the send) and the retry budget is spent');
        continue;
      }
      const how = await this.howToSend(em, claim.deliveryId, row);
      if (typeof how === 'string') {
        await this.fail(em, claim.deliveryId, claim.attempt - 1, how);
        continue;
      }
      claims.push({ ...claim, send: how.send, notify: how.notify, row });
    }
    return { claims, taken: rows.length };
  }

  /**
   * Records how one claimed try went, in the caller's (short) transaction: SENT (+ CustomerNotified in the outbox,
   * for customer and channel messages), or the next try scheduled with backoff, or FAILED once DELIVERY_MAX_ATTEMPTS
   * tries are spent. Only while the claim is still ours: when its lease ran out and another claim took the delivery,
   * or an erasure stopped it meanwhile, nothing is recorded (the other claim records its own try; the erasure stays).
   */
  async record(tx: DueWorkTransaction, claim: ClaimedDelivery, error: unknown): Promise<RecordOutcome> {
    const em = tx.entityManager;
    if (error === undefined) {
      if (!(await this.update(em, claim, `state = 'SENT', sent_at = $3, next_attempt_at = NULL, last_error = NULL`, [tx.now]))) return this.lost(claim, 'SENT');
      if (claim.notify !== undefined) await tx.publish([toOutgoing(customerNotified(claim, claim.notify, tx.now))]);
      return 'SENT';
    }
    const reason = withoutAddresses(error instanceof Error ? error.message : String(error));
    if (claim.attempt >= this.settings.DELIVERY_MAX_ATTEMPTS) {
      if (!(await this.update(em, claim, `state = 'FAILED', last_error = $3, next_attempt_at = NULL`, [reason]))) return this.lost(claim, 'FAILED');
      this.logger.error('delivery FAILED: retry budget spent or nothing to send to; operations must look', { deliveryId: claim.deliveryId, attempts: claim.attempt, error: reason });
      return 'FAILED';
    }
    const wait = Math.min(this.settings.DELIVERY_BACKOFF_MS * 2 ** (claim.attempt - 1), this.settings.DELIVERY_BACKOFF_MAX_MS);
    if (!(await this.update(em, claim, `last_error = $3, next_attempt_at = $4`, [reason, new Date(tx.now.getTime() + wait)]))) return this.lost(claim, 'RETRY');
    this.logger.warn('message not sent; will retry', { deliveryId: claim.deliveryId, orderId: claim.orderId, medium: claim.medium, attempt: claim.attempt, retryInMs: wait, error: reason });
    return 'RETRY';
  }

  /** An UPDATE of the claimed delivery that takes effect only while the claim is ours; it ends the claim. */
  private async update(em: EntityManager, claim: ClaimedDelivery, set: string, values: unknown[]): Promise<boolean> {
    const [rows]: [unknown[], number] = await em.query(
      `UPDATE notification.deliveries SET ${set}, claim_token = NULL WHERE delivery_id = $1 AND claim_token = $2 AND state = 'PENDING' RETURNING 1`,
      [claim.deliveryId, claim.token, ...values],
    );
    return rows.length > 0;
  }

  private lost(claim: ClaimedDelivery, outcome: string): RecordOutcome {
    this.logger.warn('outcome of a send not recorded: the claim is no longer ours (its lease ran out and the delivery was claimed again, or an erasure stopped it meanwhile)', {
      deliveryId: claim.deliveryId,
      orderId: claim.orderId,
      attempt: claim.attempt,
      outcome,
    });
    return 'NOT_OURS';
  }

  /** How to send this delivery now, or why it cannot be sent at all (it then FAILS at once). */
  private async howToSend(em: EntityManager, deliveryId: string, row: ClaimRow): Promise<Send | string> {
    const content = row.content;
    if (content.template === 'ops-alert') {
      if (row.recipient === OPS_EMAIL_RECIPIENT) {
        const to = this.settings.OPS_EMAIL;
        if (!to) return 'OPS_EMAIL is not set any more; not sent';
        return { send: () => this.email.send(to, renderAlertEmail(content), `<${deliveryId}@notification.switchyard>`) };
      }
      const url = this.settings.OPS_WEBHOOK_URL;
      if (!url) return 'OPS_WEBHOOK_URL is not set any more; not sent';
      const body = JSON.stringify(slackPayload(content));
      return { send: () => this.webhooks.send({ url, secret: this.settings.OPS_WEBHOOK_SECRET }, body, deliveryId, new Date()) };
    }
    const contact = await this.contacts.of(em, row.order_id);
    if (!contact) return 'the order has no contact record any more; not sent';
    if (row.recipient.startsWith('email:')) {
      const address = contact.email;
      if (address === null) return `no email address for the order any more (${ERASED} or opted out); not sent`;
      const locale = await this.contacts.localeFor(em, contact);
      return { send: () => this.email.send(address, renderEmail(content, locale), `<${deliveryId}@notification.switchyard>`), notify: contact.contactReference ?? row.recipient };
    }
    const [endpoint]: { url: string; secret: string }[] = await em.query(`SELECT url, secret FROM notification.channel_webhooks WHERE channel = $1`, [contact.channel]);
    if (!endpoint) return `channel ${contact.channel} has no webhook any more; not sent`;
    const body = webhookBody({ deliveryId, orderId: row.order_id, channel: contact.channel, channelOrderId: contact.channelOrderId, status: row.status_key, triggeredBy: row.triggered_by, content });
    return { send: () => this.webhooks.send(endpoint, body, deliveryId, new Date()), notify: contact.contactReference ?? row.recipient };
  }

  private async fail(em: EntityManager, deliveryId: string, attempts: number, reason: string): Promise<void> {
    await em.query(`UPDATE notification.deliveries SET state = 'FAILED', attempts = $2, last_error = $3, next_attempt_at = NULL, claim_token = NULL WHERE delivery_id = $1`, [deliveryId, attempts, reason]);
    this.logger.error('delivery FAILED: retry budget spent or nothing to send to; operations must look', { deliveryId, attempts, error: reason });
  }

  /** The delivery log of one order, for operations and tests (no contact data in it). */
  async ofOrder(em: EntityManager, orderId: string): Promise<DeliveryView[]> {
    const rows: DeliveryRow[] = await em.query(`SELECT ${VIEW_COLUMNS} FROM notification.deliveries WHERE order_id = $1 ORDER BY seq`, [orderId]);
    return rows.map(toView);
  }

  /** FAILED deliveries of all orders, oldest first, `limit` at a time after the cursor `after`. */
  async failed(em: EntityManager, limit: number, after: string | undefined): Promise<DeliveryPage> {
    const rows: (DeliveryRow & { seq: string })[] = await em.query(
      `SELECT ${VIEW_COLUMNS}, seq FROM notification.deliveries WHERE state = 'FAILED' AND seq > $1 ORDER BY seq LIMIT $2`,
      [after ?? '0', limit + 1],
    );
    const page = rows.slice(0, limit);
    return { deliveries: page.map(toView), next: rows.length > limit ? (page[page.length - 1]?.seq ?? null) : null };
  }

  /**
   * Puts a FAILED delivery back in the queue: PENDING, due now, attempts reset, the same delivery id (and so the
   * same Message-ID / Switchyard-Delivery, so receivers de-duplicate). An email stopped by an erasure stays FAILED.
   */
  async redeliver(em: EntityManager, deliveryId: string, now: Date): Promise<RedeliveryOutcome> {
    const [row]: { state: DeliveryState; last_error: string | null }[] = await em.query(`SELECT state, last_error FROM notification.deliveries WHERE delivery_id = $1 FOR UPDATE`, [deliveryId]);
    if (!row) return 'NOT_FOUND';
    if (row.state !== 'FAILED') return 'NOT_FAILED';
    if (row.last_error === ERASED) return 'ERASED';
    await em.query(`UPDATE notification.deliveries SET state = 'PENDING', attempts = 0, next_attempt_at = $2, claim_token = NULL WHERE delivery_id = $1`, [deliveryId, now]);
    this.logger.info('FAILED delivery queued again by an operator', { deliveryId });
    return 'REQUEUED';
  }
}

/** The status key of an alert: one per (order, kind[, episode]) and recipient. */
export const alertKey = (kind: AlertKind, episode?: string): string => (episode === undefined ? `ALERT:${kind}` : `ALERT:${kind}:${episode}`);
