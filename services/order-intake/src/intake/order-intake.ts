import { createHash, randomUUID } from 'node:crypto';
import { AnyEvent, Customer, EventOf, keyOf, OrderRejectionReason, topicOf } from '@switchyard/contracts';
import type { OutgoingEvent } from '@switchyard/messaging';
import { EntityManager } from 'typeorm';
import { Catalogue } from '../catalogue/catalogue';
import { Channel, ChannelRegistry } from '../channels/channel-registry';
import { OrderProjection } from '../projection/order-projection';
import type { OrderStatus } from '../projection/order-status';
import { SCHEMA } from '../schema';
import { OrderSubmission, Problem, readOrder } from './read-order';

/** One order as it arrives, from either path. */
export interface IntakeRequest {
  /** From the API key (HTTP) or from the event (Kafka). */
  readonly channel: string;
  /** The order without its envelope: the HTTP body, or the OrderReceived payload without metadata and channel. */
  readonly input: unknown;
  readonly via: 'http' | 'kafka';
  /** The OrderReceived's event id; null over HTTP, where the order starts its flow. */
  readonly causationId: string | null;
}

export interface Rejection {
  readonly reason: OrderRejectionReason;
  readonly problems: readonly Problem[];
}

export type IntakeOutcome =
  /** HTTP only: the request itself is wrong; nothing is recorded, so the channel can correct and resend it. */
  | { readonly kind: 'invalid'; readonly problems: readonly Problem[]; readonly tooManyLines: boolean }
  | {
      readonly kind: 'recorded';
      readonly orderId: string;
      /** False when this was a resend of an order already recorded: nothing new was published. */
      readonly created: boolean;
      readonly status: OrderStatus;
      readonly rejection: Rejection | null;
      /** For a DUPLICATE_ORDER rejection: the order that already holds this channel order id. */
      readonly conflictsWithOrderId: string | null;
    };

export interface IntakeLimits {
  readonly maxLines: number;
  /** Countries orders may ship to; undefined: all. */
  readonly serviceableCountries: readonly string[] | undefined;
}

type Publish = (events: readonly OutgoingEvent[]) => Promise<unknown>;

/** The dedupe key and what makes two submissions "the same order". */
interface Submission {
  readonly channel: string;
  readonly channelOrderId: string;
  readonly contentSha256: Buffer;
  readonly via: IntakeRequest['via'];
}

interface Decided {
  readonly event: EventOf<'OrderAccepted'> | EventOf<'OrderRejected'>;
  readonly rejection: Rejection | null;
  readonly orderedQuantities: Record<string, number>;
}

interface CurrentOrder {
  readonly order_id: string;
  readonly status: OrderStatus;
  readonly content_sha256: Buffer;
  readonly rejection_reason: OrderRejectionReason | null;
  readonly rejection_problems: Problem[] | null;
  readonly conflicts_with_order_id: string | null;
}

const MAX_DETAIL = 1_500;

/**
 * The one intake function behind both `POST /v1/orders` and the `orders.received` topic: reads and checks the
 * order, decides, records it under its dedupe key (channel + channel order id) and publishes OrderAccepted or
 * OrderRejected in the caller's transaction. A resend of a recorded order returns that order and publishes nothing.
 */
export class OrderIntake {
  constructor(
    private readonly channels: ChannelRegistry,
    private readonly catalogue: Catalogue,
    private readonly projection: OrderProjection,
    private readonly limits: IntakeLimits,
  ) {}

  async submit(em: EntityManager, publish: Publish, request: IntakeRequest): Promise<IntakeOutcome> {
    const read = readOrder(request.input, { maxLines: this.limits.maxLines });
    if (!read.ok && request.via === 'http') return { kind: 'invalid', problems: read.problems, tooManyLines: read.tooManyLines };
    const submission: Submission = {
      channel: request.channel,
      channelOrderId: read.ok ? read.order.channelOrderId : channelOrderIdOf(request.input),
      contentSha256: contentDigest(read.ok ? withPlainAmounts(read.order) : request.input),
      via: request.via,
    };
    const orderId = newOrderId();
    const events = new EventFactory(orderId, request.causationId);
    const channel = await this.channels.find(em, request.channel);
    let decided: Decided;
    if (!channel) {
      const problem = `channel ${JSON.stringify(request.channel)} is not registered: an operator registers it (order-intake channels CLI) before it sends orders`;
      decided = events.rejected(submission, read.ok ? read.order.customer : read.customer, { reason: 'UNKNOWN_CHANNEL', problems: [{ path: 'channel', problem }] });
    } else if (!read.ok) {
      decided = events.rejected(submission, read.customer, { reason: 'INVALID_ORDER', problems: read.problems });
    } else {
      const rejection = await this.check(em, read.order);
      decided = rejection ? events.rejected(submission, read.order.customer, rejection) : events.accepted(read.order, channel);
    }
    return this.record(em, publish, submission, orderId, decided, events);
  }

  /** What a well-formed order can still be refused for: where it goes, and SKUs nobody stocks. */
  private async check(em: EntityManager, order: OrderSubmission): Promise<Rejection | undefined> {
    const countries = this.limits.serviceableCountries;
    if (countries && !countries.includes(order.destination.countryCode)) {
      const problem = `Switchyard does not ship to ${order.destination.countryCode}; it ships to ${countries.join(', ')}`;
      return { reason: 'UNSERVICEABLE_DESTINATION', problems: [{ path: 'destination.countryCode', problem }] };
    }
    const unknown = new Set(await this.catalogue.unknown(em, order.lines.map((line) => line.sku)));
    if (unknown.size === 0) return undefined;
    const problems = order.lines.flatMap((line, index) =>
      unknown.has(line.sku) ? [{ path: `lines[${index}].sku`, problem: `SKU ${JSON.stringify(line.sku)} (line ${line.lineId}) is not in the catalogue: check the SKU, or ask an operator to import it` }] : [],
    );
    return { reason: 'UNKNOWN_SKU', problems };
  }

  /**
   * Inserts the order under its dedupe key. When the key is taken: the same content is the same order (returned,
   * nothing published) unless it was rejected and would now be accepted; other content replaces a rejected order
   * (a corrected resend), and is refused as DUPLICATE_ORDER next to a live one. Concurrent submissions of one key
   * serialise on the unique index.
   */
  private async record(em: EntityManager, publish: Publish, submission: Submission, orderId: string, decided: Decided, events: EventFactory): Promise<IntakeOutcome> {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await this.insert(em, submission, orderId, decided, { current: true, conflictsWith: null })) return this.publish(em, publish, orderId, decided, null);
      const rows: CurrentOrder[] = await em.query(
        `SELECT order_id, status, content_sha256, rejection_reason, rejection_problems, conflicts_with_order_id FROM ${SCHEMA}.orders
          WHERE channel = $1 AND channel_order_id = $2 AND is_current FOR UPDATE`,
        [submission.channel, submission.channelOrderId],
      );
      const current = rows[0];
      if (!current) continue; // superseded meanwhile: try the insert again
      const sameContent = current.content_sha256.equals(submission.contentSha256);
      // A resend of a rejected order that would now pass (its SKU became known) is decided afresh.
      if (sameContent && !(current.status === 'REJECTED' && !decided.rejection)) return resent(current);
      if (current.status === 'REJECTED') {
        await em.query(`UPDATE ${SCHEMA}.orders SET is_current = false, updated_at = now() WHERE order_id = $1`, [current.order_id]);
        continue;
      }
      const problem = `channel order id ${JSON.stringify(submission.channelOrderId)} was already accepted as order ${current.order_id} with different content; orders cannot be amended: cancel that order and submit the new one under a new channel order id`;
      const duplicate = events.rejected(submission, decided.event.payload.customer, { reason: 'DUPLICATE_ORDER', problems: [{ path: 'channelOrderId', problem }] });
      await this.insert(em, submission, orderId, duplicate, { current: false, conflictsWith: current.order_id });
      return this.publish(em, publish, orderId, duplicate, current.order_id);
    }
    throw new Error(`channel order ${submission.channel}:${submission.channelOrderId} kept changing under three attempts to record it; try again`);
  }

  private async insert(em: EntityManager, submission: Submission, orderId: string, decided: Decided, as: { current: boolean; conflictsWith: string | null }): Promise<boolean> {
    const { event, rejection } = decided;
    const rows: unknown[] = await em.query(
      `INSERT INTO ${SCHEMA}.orders (order_id, channel, channel_order_id, is_current, content_sha256, received_via, status, market, ordered_quantities,
                                     rejection_reason, rejection_problems, conflicts_with_order_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (channel, channel_order_id) WHERE is_current DO NOTHING RETURNING order_id`,
      [
        orderId,
        submission.channel,
        submission.channelOrderId,
        as.current,
        submission.contentSha256,
        submission.via,
        rejection ? 'REJECTED' : 'ACCEPTED',
        event.type === 'OrderAccepted' ? event.payload.market : null,
        JSON.stringify(decided.orderedQuantities),
        rejection?.reason ?? null,
        rejection ? JSON.stringify(rejection.problems) : null,
        as.conflictsWith,
      ],
    );
    return rows.length > 0;
  }

  private async publish(em: EntityManager, publish: Publish, orderId: string, decided: Decided, conflictsWith: string | null): Promise<IntakeOutcome> {
    const event: AnyEvent = decided.event;
    await publish([{ topic: topicOf(event), key: keyOf(event), event }]);
    await this.projection.apply(em, decided.event);
    return { kind: 'recorded', orderId, created: true, status: decided.rejection ? 'REJECTED' : 'ACCEPTED', rejection: decided.rejection, conflictsWithOrderId: conflictsWith };
  }
}

/** OrderAccepted and OrderRejected for one new order id. */
class EventFactory {
  constructor(
    private readonly orderId: string,
    private readonly causationId: string | null,
  ) {}

  accepted(order: OrderSubmission, channel: Channel): Decided {
    const payload: EventOf<'OrderAccepted'>['payload'] = {
      metadata: this.metadata(),
      orderId: this.orderId,
      channel: channel.channelId,
      channelOrderId: order.channelOrderId,
      // The order's own market, else the channel's, else the country it ships to.
      market: order.market ?? channel.defaultMarket ?? order.destination.countryCode,
      customer: order.customer,
      destination: order.destination,
      serviceLevel: order.serviceLevel,
      promisedDate: order.promisedDate,
      backOrderPolicy: order.backOrderPolicy ?? channel.defaultBackOrderPolicy,
      lines: order.lines,
    };
    const orderedQuantities = Object.fromEntries(order.lines.map((line) => [line.lineId, line.quantity]));
    return { event: { type: 'OrderAccepted', payload }, rejection: null, orderedQuantities };
  }

  rejected(submission: Submission, customer: Customer | null, rejection: Rejection): Decided {
    const payload: EventOf<'OrderRejected'>['payload'] = {
      metadata: this.metadata(),
      orderId: this.orderId,
      channel: submission.channel,
      channelOrderId: submission.channelOrderId,
      reason: rejection.reason,
      detail: describeProblems(rejection.problems),
      customer,
    };
    return { event: { type: 'OrderRejected', payload }, rejection, orderedQuantities: {} };
  }

  private metadata() {
    return { eventId: randomUUID(), occurredAt: Date.now(), correlationId: this.orderId, causationId: this.causationId };
  }
}

function resent(current: CurrentOrder): IntakeOutcome {
  const rejection = current.rejection_reason ? { reason: current.rejection_reason, problems: current.rejection_problems ?? [] } : null;
  return { kind: 'recorded', orderId: current.order_id, created: false, status: current.status, rejection, conflictsWithOrderId: current.conflicts_with_order_id };
}

export function newOrderId(): string {
  return `ord-${randomUUID()}`;
}

/** The channel order id as sent, even when the rest of the order is unreadable ('' when there is none). */
function channelOrderIdOf(input: unknown): string {
  const value = input !== null && typeof input === 'object' ? (input as Record<string, unknown>)['channelOrderId'] : undefined;
  return typeof value === 'string' ? value.slice(0, 200) : '';
}

/** For OrderRejected.detail: every problem by path, within a length a timeline or an email can show. */
export function describeProblems(problems: readonly Problem[]): string {
  let text = '';
  for (const [index, { path, problem }] of problems.entries()) {
    const next = `${text ? '; ' : ''}${path}: ${problem}`;
    if (text.length + next.length > MAX_DETAIL) return `${text}; and ${problems.length - index} more problem(s)`;
    text += next;
  }
  return text;
}

/** Amounts as written plainly ("39.99"): Avro decimals arrive at full scale ("39.9900"), HTTP bodies as the channel wrote them. */
function withPlainAmounts(order: OrderSubmission): OrderSubmission {
  const plain = (amount: string) => (amount.includes('.') ? amount.replace(/\.?0+$/, '') : amount);
  return { ...order, lines: order.lines.map((line) => ({ ...line, unitPrice: { ...line.unitPrice, amount: plain(line.unitPrice.amount) } })) };
}

/** SHA-256 of the order's canonical JSON (keys sorted): equal for a resend of the same order, whatever the key order. */
function contentDigest(value: unknown): Buffer {
  return createHash('sha256').update(canonicalJson(value)).digest();
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
