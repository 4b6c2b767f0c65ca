import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AnyEvent, CarrierQuote, EventOf, keyOf, topicOf } from '@switchyard/contracts';
import { FatalError, type OutgoingEvent } from '@switchyard/messaging';
import { decideSelection, type CarrierAnswer } from '@switchyard/rating';
import { SERVICE_SETTINGS, ServiceLogger } from '@switchyard/service-kit';
import { EntityManager } from 'typeorm';
import { adapterRequestTopic, locationCountries, type CarrierSettings } from './carrier.settings';

/** Publishes through the outbox of the caller's transaction. */
export type Publish = (events: readonly OutgoingEvent[]) => Promise<unknown>;

type SelectCarrier = EventOf<'SelectCarrier'>['payload'];
type Outcome = EventOf<'CarrierSelected'> | EventOf<'CarrierSelectionFailed'>;

const routed = (event: AnyEvent): OutgoingEvent => ({ topic: topicOf(event), key: keyOf(event), event });

const metadata = (orderId: string, causationId: string) => ({ eventId: randomUUID(), occurredAt: Date.now(), correlationId: orderId, causationId });

/**
 * Carrier selection as durable state: a SelectCarrier opens a selection row with a deadline and asks every
 * configured adapter; replies are stored as they come; the selection closes when every adapter answered or
 * at its deadline (the DeadlineLoop), with whatever quotes arrived. Every method runs in the caller's transaction.
 */
@Injectable()
export class Selections {
  private readonly countries: ReadonlyMap<string, string>;

  constructor(
    @Inject(SERVICE_SETTINGS) private readonly settings: CarrierSettings,
    @Inject(ServiceLogger) private readonly logger: ServiceLogger,
  ) {
    this.countries = locationCountries(settings.LOCATION_COUNTRIES);
  }

  async open(em: EntityManager, command: SelectCarrier, publish: Publish): Promise<void> {
    if (command.shipments.length === 0) throw new FatalError(`SelectCarrier for order ${command.orderId} lists no shipments: there is nothing to select a carrier for`);
    const shipmentsKey = command.shipments.map((s) => s.shipmentId).sort().join('\n');
    const selectionId = randomUUID();
    const deadline = new Date(Date.now() + this.settings.QUOTE_TIMEOUT_MS);
    const inserted: { selection_id: string }[] = await em.query(
      `INSERT INTO carrier.selections (selection_id, order_id, shipments_key, command, deadline_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (order_id, shipments_key) DO NOTHING RETURNING selection_id`,
      [selectionId, command.orderId, shipmentsKey, JSON.stringify(command), deadline],
    );
    if (inserted.length === 0) return this.answerAgain(em, command, shipmentsKey, publish);

    const unknown = command.shipments.filter((s) => !this.countries.has(s.locationId));
    if (unknown.length > 0) {
      const detail = unknown.map((s) => `shipment ${s.shipmentId} leaves from ${s.locationId}, whose country is not in LOCATION_COUNTRIES`).join('; ');
      const failed: Outcome = {
        type: 'CarrierSelectionFailed',
        payload: { metadata: metadata(command.orderId, command.metadata.eventId), orderId: command.orderId, shipmentIds: unknown.map((s) => s.shipmentId), reason: 'OTHER', detail },
      };
      return this.record(em, selectionId, failed, publish);
    }

    const requests: OutgoingEvent[] = [];
    for (const carrierId of this.settings.CARRIERS) {
      const requestId = randomUUID();
      await em.query(`INSERT INTO carrier.quote_requests (request_id, selection_id, carrier_id) VALUES ($1, $2, $3)`, [requestId, selectionId, carrierId]);
      const request: EventOf<'CarrierQuoteRequested'> = {
        type: 'CarrierQuoteRequested',
        payload: {
          metadata: metadata(command.orderId, command.metadata.eventId),
          requestId,
          carrierId,
          orderId: command.orderId,
          destination: command.destination,
          serviceLevel: command.serviceLevel,
          promisedDate: command.promisedDate,
          parcels: command.shipments.map((s) => ({
            shipmentId: s.shipmentId,
            originLocationId: s.locationId,
            originCountryCode: this.countries.get(s.locationId) as string,
            weightGrams: s.weightGrams,
            declaredValue: s.declaredValue,
          })),
          replyBy: deadline.getTime(),
        },
      };
      requests.push({ topic: adapterRequestTopic(carrierId), key: keyOf(request), event: request });
    }
    await publish(requests);
  }

  /** Stores an adapter's reply; closes the selection once every adapter answered. Late or unknown replies change nothing. */
  async reply(em: EntityManager, reply: EventOf<'CarrierQuoted'>['payload'], publish: Publish): Promise<void> {
    const [selection]: { selection_id: string; closed_at: Date | null }[] = await em.query(
      `SELECT s.selection_id, s.closed_at FROM carrier.quote_requests r JOIN carrier.selections s USING (selection_id)
       WHERE r.request_id = $1 AND r.carrier_id = $2 FOR UPDATE OF s`,
      [reply.requestId, reply.carrierId],
    );
    if (!selection || selection.closed_at !== null) {
      this.logger.info('reply to no open selection ignored (late, or asked by another instance)', { requestId: reply.requestId, carrierId: reply.carrierId, orderId: reply.orderId });
      return;
    }
    await em.query(`UPDATE carrier.quote_requests SET answered_at = now(), quotes = $2, unavailable = $3 WHERE request_id = $1 AND answered_at IS NULL`, [
      reply.requestId,
      JSON.stringify(reply.quotes),
      reply.unavailable,
    ]);
    const [{ waiting }]: { waiting: number }[] = await em.query(`SELECT count(*)::int AS waiting FROM carrier.quote_requests WHERE selection_id = $1 AND answered_at IS NULL`, [
      selection.selection_id,
    ]);
    if (waiting === 0) await this.close(em, selection.selection_id, reply.metadata.eventId, publish);
  }

  /**
   * At start: open selections whose deadline passed (or is about to) while this service was not running get one
   * QUOTE_TIMEOUT_MS from now. Their adapters' replies may be waiting unread in carrier.adapter.replies; closing
   * them at once, before the consumer reads those, would fail selections the carriers did answer.
   */
  async extendDeadlinesAfterStart(em: EntityManager, now: Date): Promise<number> {
    const deadline = new Date(now.getTime() + this.settings.QUOTE_TIMEOUT_MS);
    const [, extended]: [unknown, number] = await em.query(`UPDATE carrier.selections SET deadline_at = $1 WHERE closed_at IS NULL AND deadline_at < $1`, [deadline]);
    return extended;
  }

  /** Closes every open selection past its deadline; adapters that did not answer are skipped. Returns how many closed. */
  async closeDue(em: EntityManager, now: Date, publish: Publish): Promise<number> {
    const due: { selection_id: string; command: SelectCarrier }[] = await em.query(
      `SELECT selection_id, command FROM carrier.selections WHERE closed_at IS NULL AND deadline_at <= $1 ORDER BY deadline_at LIMIT 100 FOR UPDATE SKIP LOCKED`,
      [now],
    );
    for (const row of due) await this.close(em, row.selection_id, row.command.metadata.eventId, publish);
    return due.length;
  }

  private async close(em: EntityManager, selectionId: string, causationId: string, publish: Publish): Promise<void> {
    const [{ command }]: { command: SelectCarrier }[] = await em.query(`SELECT command FROM carrier.selections WHERE selection_id = $1`, [selectionId]);
    const rows: { carrier_id: string; answered_at: Date | null; quotes: CarrierQuote[] | null; unavailable: string | null }[] = await em.query(
      `SELECT carrier_id, answered_at, quotes, unavailable FROM carrier.quote_requests WHERE selection_id = $1 ORDER BY carrier_id`,
      [selectionId],
    );
    const answers = rows.map((row): CarrierAnswer => {
      if (row.answered_at === null) return { carrierId: row.carrier_id, kind: 'silent' };
      if (row.unavailable !== null) return { carrierId: row.carrier_id, kind: 'unavailable', reason: row.unavailable };
      return { carrierId: row.carrier_id, kind: 'quoted', quotes: row.quotes ?? [] };
    });
    const decision = decideSelection({
      shipmentIds: command.shipments.map((s) => s.shipmentId),
      promisedDate: command.promisedDate,
      currency: this.settings.QUOTE_CURRENCY,
      answers,
    });
    const meta = metadata(command.orderId, causationId);
    const outcome: Outcome =
      decision.kind === 'selected'
        ? { type: 'CarrierSelected', payload: { metadata: meta, orderId: command.orderId, selections: [...decision.selections] } }
        : {
            type: 'CarrierSelectionFailed',
            payload: { metadata: meta, orderId: command.orderId, shipmentIds: [...decision.shipmentIds], reason: decision.reason, detail: decision.detail },
          };
    const silent = answers.filter((a) => a.kind === 'silent').map((a) => a.carrierId);
    this.logger.info('carrier selection closed', { orderId: command.orderId, outcome: outcome.type, skippedCarriers: silent.join(',') });
    await this.record(em, selectionId, outcome, publish);
  }

  private async record(em: EntityManager, selectionId: string, outcome: Outcome, publish: Publish): Promise<void> {
    await em.query(`UPDATE carrier.selections SET closed_at = now(), outcome = $2 WHERE selection_id = $1`, [selectionId, JSON.stringify(outcome)]);
    await publish([routed(outcome)]);
  }

  /** A SelectCarrier for a selection that exists: the stored outcome again if closed; nothing while it is still open. */
  private async answerAgain(em: EntityManager, command: SelectCarrier, shipmentsKey: string, publish: Publish): Promise<void> {
    const [existing]: { outcome: Outcome | null }[] = await em.query(`SELECT outcome FROM carrier.selections WHERE order_id = $1 AND shipments_key = $2`, [
      command.orderId,
      shipmentsKey,
    ]);
    if (!existing?.outcome) {
      this.logger.info('SelectCarrier for a selection already waiting for quotes: no second selection', { orderId: command.orderId });
      return;
    }
    const again = { type: existing.outcome.type, payload: { ...existing.outcome.payload, metadata: metadata(command.orderId, command.metadata.eventId) } } as Outcome;
    this.logger.info('SelectCarrier for a closed selection: its outcome published again', { orderId: command.orderId, outcome: again.type });
    await publish([routed(again)]);
  }
}
