import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AnyEvent, keyOf, topicOf } from '@switchyard/contracts';
import type { OutgoingEvent } from '@switchyard/messaging';
import { SERVICE_SETTINGS, ServiceLogger, type DueWorkTransaction } from '@switchyard/service-kit';
import type { EntityManager } from 'typeorm';
import { EmailSender, withoutAddresses } from './email-sender';
import type { NotificationSettings } from './notification.settings';
import { renderEmail, type MessageContent } from './templates';
import { webhookBody, WebhookSender } from './webhook-sender';

/** The customer data of one order, as OrderAccepted carried it. Personal data: never logged. */
export interface OrderContact {
  readonly orderId: string;
  readonly channel: string;
  readonly channelOrderId: string;
  readonly contactReference: string;
  readonly email: string | null;
  readonly locale: string | null;
}

/** One message to send, before it is queued: the key (order, status, recipient) comes from it. */
export interface NewDelivery {
  readonly orderId: string;
  /** The meaningful change, e.g. ACCEPTED or DISPATCHED:<fulfilmentId> (each shipment is a change of its own). */
  readonly statusKey: string;
  readonly content: MessageContent;
  readonly triggeredBy: string;
  readonly causedBy: string;
}

export type DeliveryState = 'PENDING' | 'SENT' | 'FAILED';
export type Medium = 'EMAIL' | 'WEBHOOK';

export interface DeliveryView {
  readonly deliveryId: string;
  readonly orderId: string;
  readonly statusKey: string;
  readonly recipient: string;
  readonly medium: Medium;
  readonly template: string;
  readonly state: DeliveryState;
  readonly attempts: number;
  readonly lastError: string | null;
}

interface DueDelivery {
  readonly deliveryId: string;
  readonly orderId: string;
}

const toOutgoing = (event: AnyEvent): OutgoingEvent => ({ topic: topicOf(event), key: keyOf(event), event });

/**
 * The delivery log, which is also the durable queue: a status event queues its messages in the handler's
 * transaction; the delivery loop sends what is due, retrying with doubling backoff, and records SENT (publishing
 * CustomerNotified in the same transaction) or, after DELIVERY_MAX_ATTEMPTS, FAILED.
 */
@Injectable()
export class Deliveries {
  constructor(
    @Inject(SERVICE_SETTINGS) private readonly settings: NotificationSettings,
    @Inject(EmailSender) private readonly email: EmailSender,
    @Inject(WebhookSender) private readonly webhooks: WebhookSender,
    @Inject(ServiceLogger) private readonly logger: ServiceLogger,
  ) {}

  /** Records the order's contact; the first OrderAccepted wins (a redelivery changes nothing, an erasure is not undone). */
  async recordContact(em: EntityManager, contact: OrderContact): Promise<void> {
    await em.query(
      `INSERT INTO notification.order_contacts (order_id, channel, channel_order_id, contact_reference, email, locale)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (order_id) DO NOTHING`,
      [contact.orderId, contact.channel, contact.channelOrderId, contact.contactReference, contact.email, contact.locale],
    );
  }

  async contactOf(em: EntityManager, orderId: string): Promise<OrderContact | undefined> {
    const [row]: { channel: string; channel_order_id: string; contact_reference: string; email: string | null; locale: string | null }[] = await em.query(
      `SELECT channel, channel_order_id, contact_reference, email, locale FROM notification.order_contacts WHERE order_id = $1`,
      [orderId],
    );
    return row && { orderId, channel: row.channel, channelOrderId: row.channel_order_id, contactReference: row.contact_reference, email: row.email, locale: row.locale };
  }

  /**
   * Queues the messages one status change deserves: the customer's email (unless they have no address: opted out
   * or erased) and the channel's webhook (when the channel registered one; it carries no contact data, so it is
   * sent whatever the customer's email preferences). A (order, status, recipient) queued before queues nothing.
   */
  async queue(em: EntityManager, contact: OrderContact, delivery: NewDelivery, now: Date): Promise<void> {
    if (contact.email === null) {
      this.logger.info('customer has no email address (opted out or erased); no email', { orderId: delivery.orderId, status: delivery.statusKey });
    } else {
      await this.insert(em, delivery, 'EMAIL', `email:${contact.contactReference}`, now);
    }
    const [webhook]: unknown[] = await em.query(`SELECT 1 FROM notification.channel_webhooks WHERE channel = $1`, [contact.channel]);
    if (webhook) await this.insert(em, delivery, 'WEBHOOK', `webhook:${contact.channel}`, now);
  }

  private async insert(em: EntityManager, delivery: NewDelivery, medium: Medium, recipient: string, now: Date): Promise<void> {
    const inserted: unknown[] = await em.query(
      `INSERT INTO notification.deliveries (delivery_id, order_id, status_key, recipient, medium, template, triggered_by, caused_by, content, state, next_attempt_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'PENDING', $10)
       ON CONFLICT (order_id, status_key, recipient) DO NOTHING RETURNING delivery_id`,
      [randomUUID(), delivery.orderId, delivery.statusKey, recipient, medium, delivery.content.template, delivery.triggeredBy, delivery.causedBy, JSON.stringify(delivery.content), now],
    );
    if (inserted.length === 0) this.logger.info('message for this status already queued; nothing new', { orderId: delivery.orderId, status: delivery.statusKey, medium });
  }

  /** Deliveries whose time has come (a plain read; `deliver` claims each). */
  async due(em: EntityManager, now: Date): Promise<DueDelivery[]> {
    const rows: { delivery_id: string; order_id: string }[] = await em.query(
      `SELECT delivery_id, order_id FROM notification.deliveries WHERE state = 'PENDING' AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT 100`,
      [now],
    );
    return rows.map((r) => ({ deliveryId: r.delivery_id, orderId: r.order_id }));
  }

  /** Claims one due delivery and tries it once: SENT + CustomerNotified, or the next try scheduled, or FAILED. */
  async deliver(tx: DueWorkTransaction, due: DueDelivery): Promise<boolean> {
    const em = tx.entityManager;
    const [row]: { order_id: string; status_key: string; medium: Medium; template: string; triggered_by: string; caused_by: string; content: MessageContent; attempts: number }[] =
      await em.query(
        `SELECT order_id, status_key, medium, template, triggered_by, caused_by, content, attempts FROM notification.deliveries
         WHERE delivery_id = $1 AND state = 'PENDING' AND next_attempt_at <= $2 FOR UPDATE SKIP LOCKED`,
        [due.deliveryId, tx.now],
      );
    if (!row) return false;
    const contact = await this.contactOf(em, row.order_id);
    const attempt = row.attempts + 1;
    let send: () => Promise<void>;
    if (!contact) {
      await this.fail(em, due.deliveryId, row.attempts, 'the order has no contact record any more; not sent');
      return true;
    } else if (row.medium === 'EMAIL') {
      const address = contact.email;
      if (address === null) {
        await this.fail(em, due.deliveryId, row.attempts, 'no email address for the order any more (erased or opted out); not sent');
        return true;
      }
      send = () => this.email.send(address, renderEmail(row.content, contact.locale), `<${due.deliveryId}@notification.switchyard>`);
    } else {
      const [endpoint]: { url: string; secret: string }[] = await em.query(`SELECT url, secret FROM notification.channel_webhooks WHERE channel = $1`, [contact.channel]);
      if (!endpoint) {
        await this.fail(em, due.deliveryId, row.attempts, `channel ${contact.channel} has no webhook any more; not sent`);
        return true;
      }
      const body = webhookBody({ deliveryId: due.deliveryId, orderId: row.order_id, channel: contact.channel, channelOrderId: contact.channelOrderId, status: row.status_key, triggeredBy: row.triggered_by, content: row.content });
      send = () => this.webhooks.send(endpoint, body, due.deliveryId, tx.now);
    }
    try {
      await send();
    } catch (error) {
      const reason = withoutAddresses(error instanceof Error ? error.message : String(error));
      if (attempt >= this.settings.DELIVERY_MAX_ATTEMPTS) {
        await this.fail(em, due.deliveryId, attempt, reason);
      } else {
        const wait = Math.min(this.settings.DELIVERY_BACKOFF_MS * 2 ** (attempt - 1), this.settings.DELIVERY_BACKOFF_MAX_MS);
        await em.query(`UPDATE notification.deliveries SET attempts = $2, last_error = $3, next_attempt_at = $4 WHERE delivery_id = $1`, [
          due.deliveryId,
          attempt,
          reason,
          new Date(tx.now.getTime() + wait),
        ]);
        this.logger.warn('message not sent; will retry', { deliveryId: due.deliveryId, orderId: row.order_id, medium: row.medium, attempt, retryInMs: wait, error: reason });
      }
      return true;
    }
    await em.query(`UPDATE notification.deliveries SET state = 'SENT', attempts = $2, sent_at = $3, next_attempt_at = NULL, last_error = NULL WHERE delivery_id = $1`, [
      due.deliveryId,
      attempt,
      tx.now,
    ]);
    await tx.publish([
      toOutgoing({
        type: 'CustomerNotified',
        payload: {
          metadata: { eventId: randomUUID(), occurredAt: tx.now.getTime(), correlationId: row.order_id, causationId: row.caused_by },
          orderId: row.order_id,
          notificationId: due.deliveryId,
          template: row.template,
          medium: row.medium,
          triggeredBy: row.triggered_by,
          contactReference: contact.contactReference,
        },
      }),
    ]);
    return true;
  }

  private async fail(em: EntityManager, deliveryId: string, attempts: number, reason: string): Promise<void> {
    await em.query(`UPDATE notification.deliveries SET state = 'FAILED', attempts = $2, last_error = $3, next_attempt_at = NULL WHERE delivery_id = $1`, [deliveryId, attempts, reason]);
    this.logger.error('delivery FAILED: retry budget spent or nothing to send to; operations must look', { deliveryId, attempts, error: reason });
  }

  /** The delivery log of one order, for operations and tests (no contact data in it). */
  async ofOrder(em: EntityManager, orderId: string): Promise<DeliveryView[]> {
    const rows: { delivery_id: string; status_key: string; recipient: string; medium: Medium; template: string; state: DeliveryState; attempts: number; last_error: string | null }[] =
      await em.query(
        `SELECT delivery_id, status_key, recipient, medium, template, state, attempts, last_error FROM notification.deliveries WHERE order_id = $1 ORDER BY created_at, status_key`,
        [orderId],
      );
    return rows.map((r) => ({ deliveryId: r.delivery_id, orderId, statusKey: r.status_key, recipient: r.recipient, medium: r.medium, template: r.template, state: r.state, attempts: r.attempts, lastError: r.last_error }));
  }
}
