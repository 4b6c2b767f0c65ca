import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/** The customer data of one order, as OrderAccepted (or OrderRejected) carried it. Personal data: never logged. */
export interface OrderContact {
  readonly orderId: string;
  readonly channel: string;
  readonly channelOrderId: string;
  /** The channel's contact record; null when a rejected order named no valid customer. */
  readonly contactReference: string | null;
  /** null: opted out of email at the channel, erased, or unknown. */
  readonly email: string | null;
  readonly locale: string | null;
}

/** Status categories a customer can opt out of (a status key's first part), or ALL email. */
export const optOutCategories = ['ALL', 'ACCEPTED', 'REJECTED', 'SPLIT', 'HELD', 'DISPATCHED', 'CANCELLED'] as const;
export type OptOutCategory = (typeof optOutCategories)[number];

/** One person's wishes at one channel. Personal data: only here, erasable. */
export interface Preferences {
  readonly channel: string;
  readonly contactReference: string;
  readonly emailOptOut: readonly OptOutCategory[];
  /** Overrides the order's locale for the message language; null: the order's. */
  readonly locale: string | null;
}

export interface ErasureRequest {
  readonly orderId?: string;
  readonly channel?: string;
  readonly contactReference?: string;
}

export interface ErasureResult {
  /** Orders whose contact data was blanked. */
  readonly orders: readonly string[];
  /** Whether stored preferences were deleted. */
  readonly preferencesDeleted: boolean;
  /** Queued emails to the erased address(es) now FAILED with reason "erased". */
  readonly deliveriesStopped: number;
}

export const ERASED = 'erased';

interface ContactRow {
  order_id: string;
  channel: string;
  channel_order_id: string;
  contact_reference: string | null;
  email: string | null;
  locale: string | null;
}

const toContact = (r: ContactRow): OrderContact => ({ orderId: r.order_id, channel: r.channel, channelOrderId: r.channel_order_id, contactReference: r.contact_reference, email: r.email, locale: r.locale });

/** Customer contact data and preferences: the only personal data of the platform's messages, kept here alone. */
@Injectable()
export class Contacts {
  /** Records the order's contact; the first one wins (a redelivery changes nothing, an erasure is not undone). */
  async record(em: EntityManager, contact: OrderContact): Promise<void> {
    await em.query(
      `INSERT INTO notification.order_contacts (order_id, channel, channel_order_id, contact_reference, email, locale)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (order_id) DO NOTHING`,
      [contact.orderId, contact.channel, contact.channelOrderId, contact.contactReference, contact.email, contact.locale],
    );
  }

  async of(em: EntityManager, orderId: string): Promise<OrderContact | undefined> {
    const [row]: ContactRow[] = await em.query(
      `SELECT order_id, channel, channel_order_id, contact_reference, email, locale FROM notification.order_contacts WHERE order_id = $1`,
      [orderId],
    );
    return row && toContact(row);
  }

  async preferencesOf(em: EntityManager, channel: string, contactReference: string): Promise<Preferences | undefined> {
    const [row]: { email_opt_out: OptOutCategory[]; locale: string | null }[] = await em.query(
      `SELECT email_opt_out, locale FROM notification.customer_preferences WHERE channel = $1 AND contact_reference = $2`,
      [channel, contactReference],
    );
    return row && { channel, contactReference, emailOptOut: row.email_opt_out, locale: row.locale };
  }

  async setPreferences(em: EntityManager, preferences: Preferences): Promise<void> {
    await em.query(
      `INSERT INTO notification.customer_preferences (channel, contact_reference, email_opt_out, locale) VALUES ($1, $2, $3, $4)
       ON CONFLICT (channel, contact_reference) DO UPDATE SET email_opt_out = EXCLUDED.email_opt_out, locale = EXCLUDED.locale, updated_at = now()`,
      [preferences.channel, preferences.contactReference, [...new Set(preferences.emailOptOut)], preferences.locale],
    );
  }

  /** Whether the customer wants no email of this status category (or none at all). */
  async optedOut(em: EntityManager, contact: OrderContact, category: string): Promise<boolean> {
    if (contact.contactReference === null) return false;
    const preferences = await this.preferencesOf(em, contact.channel, contact.contactReference);
    return preferences !== undefined && (preferences.emailOptOut.includes('ALL') || preferences.emailOptOut.some((c) => c === category));
  }

  /** The locale a message to this contact is written in: the stored preference, else the order's. */
  async localeFor(em: EntityManager, contact: OrderContact): Promise<string | null> {
    const preferences = contact.contactReference === null ? undefined : await this.preferencesOf(em, contact.channel, contact.contactReference);
    return preferences?.locale ?? contact.locale;
  }

  /**
   * Erases contact data: by order (that order's address and locale) and/or by channel + contact reference (every
   * order of that contact, and the stored preferences). Queued emails to them become FAILED "erased"; the
   * contact rows stay (address and locale blank, `erased_at` set), so later events of those orders send no email.
   * An email being sent right now (claimed) is stopped too: its send cannot be called back, but its outcome is then
   * not recorded (the claim is gone), so it stays FAILED "erased" and publishes no CustomerNotified.
   */
  async erase(em: EntityManager, request: ErasureRequest, now: Date): Promise<ErasureResult> {
    const byReference = request.channel !== undefined && request.contactReference !== undefined;
    // UPDATE and DELETE answer [rows, count].
    const [rows]: [{ order_id: string }[], number] = await em.query(
      `UPDATE notification.order_contacts SET email = NULL, locale = NULL, erased_at = COALESCE(erased_at, $4)
       WHERE order_id = $1 OR ($2::text IS NOT NULL AND channel = $2 AND contact_reference = $3)
       RETURNING order_id`,
      [request.orderId ?? null, byReference ? request.channel : null, byReference ? request.contactReference : null, now],
    );
    let preferencesDeleted = false;
    if (byReference) {
      const [, deleted]: [unknown[], number] = await em.query(`DELETE FROM notification.customer_preferences WHERE channel = $1 AND contact_reference = $2`, [request.channel, request.contactReference]);
      preferencesDeleted = deleted > 0;
    }
    const [stopped]: [unknown[], number] = await em.query(
      `UPDATE notification.deliveries SET state = 'FAILED', next_attempt_at = NULL, last_error = $2, claim_token = NULL
       WHERE state = 'PENDING' AND medium = 'EMAIL' AND recipient LIKE 'email:%' AND order_id = ANY($1::text[]) RETURNING 1`,
      [rows.map((r) => r.order_id), ERASED],
    );
    return { orders: rows.map((r) => r.order_id), preferencesDeleted, deliveriesStopped: stopped.length };
  }
}
