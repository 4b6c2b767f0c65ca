import { randomUUID } from 'node:crypto';
import { AnyEvent, EventMetadata, EventPayload, keyOf, ReservationFailureReason, ShortItem, topicOf } from '@switchyard/contracts';
import {
  applyCount,
  decideReservation,
  HeldItem,
  holdsOfChanges,
  ItemChange,
  planDispatch,
  planRelease,
  reservationProblems,
  reservationState,
  ReservationState,
  SafetyStockPolicy,
  safetyStockFor,
  StockLevel,
  stockKey,
  StockView,
  takeFromOnHand,
  viewOf,
} from '@switchyard/inventory-ledger';
import { FatalError, MessagingLogger, OutgoingEvent, RetriableError } from '@switchyard/messaging';
import { EntityManager } from 'typeorm';
import { Reservations, StoredReservation } from './reservations';
import { StockLedger, StockMovement } from './stock-ledger';

/** A reservation as the HTTP API shows it. */
export interface ReservationView {
  readonly reservationId: string;
  readonly orderId: string;
  readonly status: ReservationState | 'FAILED';
  readonly items: readonly (Omit<HeldItem, 'reservationId'> & { readonly held: number })[];
  readonly failureReason: ReservationFailureReason | null;
  readonly shortItems: readonly ShortItem[];
  readonly createdAt: string;
}

/** The event a message carries, reduced to what its effects are traced back to. */
interface Cause {
  readonly metadata: EventMetadata;
}

/**
 * The inventory's operations. Each runs inside the caller's transaction (a handler's, with its inbox row) and
 * returns the events to publish through the outbox in that same transaction.
 */
export class Inventory {
  private readonly ledger = new StockLedger();
  private readonly reservations = new Reservations();

  constructor(
    private readonly safetyStock: SafetyStockPolicy,
    private readonly logger: MessagingLogger,
  ) {}

  /**
   * Holds every item of the command or nothing. The stock rows are locked in one fixed order, the pure decision
   * is taken on what they hold now, and the held units are added by one conditional UPDATE that changes a row
   * only if they still fit in its ATP; if it changes fewer rows than asked, the transaction rolls back.
   */
  async reserve(entityManager: EntityManager, command: EventPayload<'ReserveStock'>): Promise<OutgoingEvent[]> {
    const { orderId, reservationId, items } = command;
    const problems = reservationProblems(items);
    if (problems.length > 0) {
      throw new FatalError(`ReserveStock ${reservationId} of order ${orderId} cannot be held: ${problems.join('; ')}. Correct the command and send it with a new reservation id.`);
    }
    if (!(await this.reservations.claim(entityManager, reservationId, orderId, command.metadata.eventId))) {
      return this.answerAgain(entityManager, command);
    }
    await this.reservations.addItems(entityManager, reservationId, items);
    const levels = await this.ledger.lock(entityManager, items, { createMissing: false });
    const decision = decideReservation(items, levels, this.safetyStockOf);
    if (decision.outcome === 'FAILED') {
      await this.reservations.markFailed(entityManager, reservationId, decision.reason, decision.shortItems);
      this.logger.info('reservation failed: stock short', { orderId, reservationId, shortItems: JSON.stringify(decision.shortItems) });
      return [this.failed(command, decision.reason, decision.shortItems)];
    }
    const holds = decision.holds.map((hold) => ({ ...hold, safetyStock: this.safetyStockOf(hold.sku, hold.locationId) }));
    const after = await this.ledger.hold(entityManager, holds);
    if (!after) {
      // Cannot happen while the rows are locked; if it ever does, nothing of this reservation may commit.
      throw new RetriableError(`Reservation ${reservationId} of order ${orderId}: stock changed between locking and holding it; the whole reservation is rolled back and retried.`);
    }
    const byKey = new Map(after.map((level) => [stockKey(level.sku, level.locationId), level]));
    await this.ledger.record(
      entityManager,
      holds.map((hold) => ({
        sku: hold.sku,
        locationId: hold.locationId,
        movement: 'RESERVED',
        onHandDelta: 0,
        reservedDelta: hold.quantity,
        after: byKey.get(stockKey(hold.sku, hold.locationId)) as StockLevel,
        orderId,
        reservationId,
        causedBy: command.metadata.eventId,
      })),
    );
    return [this.event(command, orderId, { type: 'StockReserved', payload: { orderId, reservationId, items } }), ...this.levelsChanged(after, command, orderId)];
  }

  /** Gives back what the saga names (or, with no items, everything still held); unknown or already released: nothing, answered. */
  async release(entityManager: EntityManager, command: EventPayload<'ReleaseStock'>): Promise<OutgoingEvent[]> {
    const { orderId, reservationId } = command;
    const answer = (items: EventPayload<'ReservationReleased'>['items']) => this.event(command, orderId, { type: 'ReservationReleased', payload: { orderId, reservationId, items } });
    const reservation = await this.reservations.find(entityManager, reservationId, { lock: true });
    if (!reservation) {
      this.logger.warn('release of an unknown reservation: nothing to give back, answered with no items', { orderId, reservationId, reason: command.reason });
      return [answer([])];
    }
    if (reservation.orderId !== orderId) {
      throw new FatalError(`ReleaseStock for order ${orderId} names reservation ${reservationId}, which belongs to order ${reservation.orderId}; nothing was released. Send the release with the reservation's own order id.`);
    }
    if (reservation.outcome === 'FAILED') {
      this.logger.info('release of a reservation that held nothing (it failed): answered with no items', { orderId, reservationId });
      return [answer([])];
    }
    const plan = planRelease(reservation.items, command.items);
    if (plan.nothingHeld.length > 0) {
      this.logger.warn('release names items the reservation no longer holds (already released or dispatched, or never in it); those are skipped', {
        orderId,
        reservationId,
        items: JSON.stringify(plan.nothingHeld),
      });
    }
    if (plan.releases.length === 0) return [answer([])];
    const after = await this.giveBack(entityManager, plan.releases, command);
    await this.reservations.recordChanges(entityManager, plan.releases, 'released');
    const released = plan.releases.map(({ item, quantity }) => ({ lineId: item.lineId, sku: item.sku, locationId: item.locationId, quantity }));
    return [answer(released), ...this.levelsChanged(after, command, orderId)];
  }

  /**
   * A location shipped: on hand and reserved go down together for what the order held there; units shipped
   * beyond what was held, or beyond what was on hand, are recorded and logged, never refused.
   */
  async dispatch(entityManager: EntityManager, event: EventPayload<'ShipmentDispatched'>): Promise<OutgoingEvent[]> {
    const { orderId, locationId, fulfilmentId } = event;
    if (!(await this.reservations.claimDispatch(entityManager, { fulfilmentId, trackingNumber: event.trackingNumber, orderId, locationId }))) {
      this.logger.info('dispatch already recorded for this fulfilment and parcel; stock not taken again', { orderId, fulfilmentId, trackingNumber: event.trackingNumber });
      return [];
    }
    const held = await this.reservations.heldAt(entityManager, orderId, locationId);
    const plan = planDispatch(held, event.lines);
    const skus = [...plan.shippedBySku.keys()].sort();
    const levels = await this.ledger.lock(
      entityManager,
      skus.map((sku) => ({ sku, locationId })),
      { createMissing: true },
    );
    const consumedBySku = new Map<string, number>();
    for (const { item, quantity } of plan.consumed) consumedBySku.set(item.sku, (consumedBySku.get(item.sku) ?? 0) + quantity);
    const movements: Omit<StockMovement, 'after'>[] = [];
    for (const sku of skus) {
      const level = levels.get(stockKey(sku, locationId)) as StockLevel;
      const shipped = plan.shippedBySku.get(sku) ?? 0;
      const consumed = consumedBySku.get(sku) ?? 0;
      const { onHandAfter, shortfall } = takeFromOnHand(level.onHand, shipped);
      const unreserved = plan.unreserved.filter((line) => line.sku === sku).reduce((sum, line) => sum + line.quantity, 0);
      const notes = [
        unreserved > 0 ? `${unreserved} of ${shipped} shipped units were not reserved for order ${orderId} here` : '',
        shortfall > 0 ? `${shortfall} shipped units were not on hand; on hand stays at 0 until the next count` : '',
      ].filter((n) => n !== '');
      if (notes.length > 0) this.logger.warn(`dispatch of ${sku} at ${locationId} exceeds what inventory knew: ${notes.join('; ')}`, { orderId, fulfilmentId, sku, locationId });
      movements.push({
        sku,
        locationId,
        movement: 'DISPATCHED',
        onHandDelta: onHandAfter - level.onHand,
        reservedDelta: -consumed,
        reference: fulfilmentId,
        orderId,
        note: notes.length > 0 ? notes.join('; ') : undefined,
        causedBy: event.metadata.eventId,
      });
    }
    const after = await this.ledger.apply(entityManager, movements);
    await this.ledger.record(
      entityManager,
      movements.map((movement) => ({ ...movement, after: after.get(stockKey(movement.sku, movement.locationId)) as StockLevel })),
    );
    await this.reservations.recordChanges(entityManager, plan.consumed, 'dispatched');
    return this.levelsChanged([...after.values()], event, orderId);
  }

  /** The location's count is the truth for on hand; its delta is kept in the ledger beside the change inventory saw. */
  async count(entityManager: EntityManager, event: EventPayload<'StockAdjusted'>): Promise<OutgoingEvent[]> {
    const { sku, locationId, onHandAfter } = event;
    if (!Number.isInteger(onHandAfter) || onHandAfter < 0) {
      throw new FatalError(`StockAdjusted for ${sku} at ${locationId} says ${onHandAfter} units on hand after the change; a count cannot be negative. Correct the count at the location and send it again.`);
    }
    const levels = await this.ledger.lock(entityManager, [{ sku, locationId }], { createMissing: true });
    const counted = applyCount(levels.get(stockKey(sku, locationId)) as StockLevel, onHandAfter);
    if (counted.reservedBeyondOnHand > 0) {
      this.logger.warn(`count leaves ${sku} at ${locationId} with ${counted.reservedBeyondOnHand} units reserved beyond on hand: stock lost under reservations, ATP is 0`, {
        sku,
        locationId,
        onHand: onHandAfter,
        reserved: counted.level.reserved,
      });
    }
    const change = { sku, locationId, onHandDelta: counted.onHandDelta, reservedDelta: 0 };
    const after = await this.ledger.apply(entityManager, [change]);
    const level = after.get(stockKey(sku, locationId)) as StockLevel;
    await this.ledger.record(entityManager, [
      {
        ...change,
        movement: 'COUNTED',
        after: level,
        reportedDelta: event.quantityDelta,
        reason: event.reason,
        reference: event.reference,
        causedBy: event.metadata.eventId,
      },
    ]);
    return this.levelsChanged([level], event, event.metadata.correlationId);
  }

  /** Every location's stock of one SKU, with the safety stock in force and ATP. */
  async stockOf(entityManager: EntityManager, sku: string): Promise<StockView[]> {
    return (await this.ledger.levelsOf(entityManager, sku)).map((level) => viewOf(level, this.safetyStockOf(level.sku, level.locationId)));
  }

  async reservation(entityManager: EntityManager, reservationId: string): Promise<ReservationView | undefined> {
    const found = await this.reservations.find(entityManager, reservationId, { lock: false });
    if (!found) return undefined;
    const failed = found.outcome === 'FAILED';
    return {
      reservationId: found.reservationId,
      orderId: found.orderId,
      status: failed ? 'FAILED' : reservationState(found.items),
      items: found.items.map(({ reservationId: _, ...item }) => ({ ...item, held: failed ? 0 : item.quantity - item.released - item.dispatched })),
      failureReason: found.failureReason,
      shortItems: found.shortItems ?? [],
      createdAt: new Date(found.createdAt).toISOString(),
    };
  }

  private readonly safetyStockOf = (sku: string, locationId: string): number => safetyStockFor(this.safetyStock, sku, locationId);

  /** A re-sent ReserveStock: the outcome it had the first time, never a second hold. */
  private async answerAgain(entityManager: EntityManager, command: EventPayload<'ReserveStock'>): Promise<OutgoingEvent[]> {
    const { orderId, reservationId, items } = command;
    const existing = (await this.reservations.find(entityManager, reservationId, { lock: false })) as StoredReservation;
    if (existing.orderId !== orderId || !sameItems(existing.items, items)) {
      throw new FatalError(
        `ReserveStock ${reservationId} of order ${orderId}: reservation ${reservationId} already exists for order ${existing.orderId} with other items; nothing more was held. Send a new plan with a new reservation id.`,
      );
    }
    this.logger.info('ReserveStock re-sent: answering its first outcome again', { orderId, reservationId, outcome: existing.outcome });
    if (existing.outcome === 'FAILED') return [this.failed(command, existing.failureReason ?? 'OTHER', existing.shortItems ?? [])];
    return [this.event(command, orderId, { type: 'StockReserved', payload: { orderId, reservationId, items } })];
  }

  private failed(command: EventPayload<'ReserveStock'>, reason: ReservationFailureReason, shortItems: readonly ShortItem[]): OutgoingEvent {
    const { orderId, reservationId } = command;
    return this.event(command, orderId, { type: 'StockReservationFailed', payload: { orderId, reservationId, reason, shortItems: [...shortItems] } });
  }

  /** Takes released units off reserved, rows locked in the fixed order, each change with its ledger row. */
  private async giveBack(entityManager: EntityManager, releases: readonly ItemChange[], command: EventPayload<'ReleaseStock'>): Promise<StockLevel[]> {
    const holds = holdsOfChanges(releases);
    await this.ledger.lock(entityManager, holds, { createMissing: false });
    const changes = holds.map((hold) => ({ sku: hold.sku, locationId: hold.locationId, onHandDelta: 0, reservedDelta: -hold.quantity }));
    const after = await this.ledger.apply(entityManager, changes);
    await this.ledger.record(
      entityManager,
      changes.map((change) => ({
        ...change,
        movement: 'RELEASED',
        after: after.get(stockKey(change.sku, change.locationId)) as StockLevel,
        orderId: command.orderId,
        reservationId: command.reservationId,
        reason: command.reason,
        causedBy: command.metadata.eventId,
      })),
    );
    return [...after.values()];
  }

  private levelsChanged(levels: readonly StockLevel[], cause: Cause, correlationId: string): OutgoingEvent[] {
    return levels.map((level) => {
      const view = viewOf(level, this.safetyStockOf(level.sku, level.locationId));
      return this.event(cause, correlationId, {
        type: 'StockLevelChanged',
        payload: { locationId: view.locationId, sku: view.sku, onHand: view.onHand, reserved: view.reserved, safetyStock: view.safetyStock, available: view.available },
      });
    });
  }

  private event(cause: Cause, correlationId: string, event: DistributiveOmitMetadata<AnyEvent>): OutgoingEvent {
    const full = { type: event.type, payload: { metadata: { eventId: randomUUID(), occurredAt: Date.now(), correlationId, causationId: cause.metadata.eventId }, ...event.payload } } as AnyEvent;
    return { topic: topicOf(full), key: keyOf(full), event: full };
  }
}

type DistributiveOmitMetadata<E> = E extends { type: infer T; payload: infer P } ? { type: T; payload: Omit<P, 'metadata'> } : never;

function sameItems(held: readonly HeldItem[], asked: readonly { lineId: string; sku: string; locationId: string; quantity: number }[]): boolean {
  const key = (i: { lineId: string; sku: string; locationId: string; quantity: number }) => [i.lineId, i.sku, i.locationId, i.quantity].join('\u0000');
  const a = held.map(key).sort();
  const b = asked.map(key).sort();
  return a.length === b.length && a.every((k, i) => k === b[i]);
}
