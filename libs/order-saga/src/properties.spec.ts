import fc from 'fast-check';
import type { BackOrderPolicy, LineQuantity, UnroutableReason } from '@switchyard/contracts';
import { decide } from './decide';
import { isRejection } from './decision';
import type { SagaEvent } from './events';
import { evolve, replay } from './evolve';
import type { SagaInput } from './inputs';
import { subtractLines } from './lines';
import { outgoingMessages } from './messages';
import { unplacedLines } from './plan';
import { defaultSagaPolicy } from './policy';
import { hasProgress, inFlight, initialState, isTerminal, waitsForOperator, type SagaState } from './state';
import {
  accepted, cancelOrder, carrierFailed, carrierSelected, dispatched, fulfilmentAccepted, fulfilmentCancelled, fulfilmentRejected, holdOrder, orderLines, ORDER_ID,
  releaseOrder, reservationFailed, rerouteOrder, routed, shipment, stockLevelChanged, stockReserved, T0, timerElapsed, unroutable,
} from './testing/fixtures';

// Random but plausible lives of one order: replies to what the saga asked, late and duplicate replies,
// timers (live and stale), stock signals and operations commands, checked against the saga's invariants.

const LOCATIONS = ['dc-a', 'dc-b', 'dc-c'];
const POLICIES: BackOrderPolicy[] = ['HOLD', 'SPLIT', 'PART_SHIP', 'CANCEL_UNAVAILABLE'];
const REASONS: UnroutableReason[] = ['NO_STOCK', 'CAPACITY_EXHAUSTED', 'UNSERVICEABLE_DESTINATION'];

interface Choice { readonly action: number; readonly a: number; readonly b: number; readonly wait: number }
const choice = fc.record({ action: fc.nat(999), a: fc.nat(999), b: fc.nat(999), wait: fc.nat(3_600) });

const reservationNumber = (reservationId: string) => Number(reservationId.split('/').pop());
const pick = <T>(items: readonly T[], n: number): T => items[n % items.length];

/** Splits lines over one or two locations, sometimes leaving one line out. */
function somePlan(lines: readonly LineQuantity[], c: Choice, nextShipment: () => string) {
  const leaveOut = lines.length > 1 && c.b % 3 === 0 ? 1 : 0;
  const placed = lines.slice(leaveOut);
  const cut = placed.length > 1 && c.a % 2 === 0 ? 1 : placed.length;
  const groups = [placed.slice(0, cut), placed.slice(cut)].filter((g) => g.length > 0);
  const first = c.a % LOCATIONS.length;
  return groups.map((g, i) => shipment(nextShipment(), LOCATIONS[(first + i) % LOCATIONS.length], g));
}

/**
 * Every input that makes sense now, as thunks so ids are only spent on the one chosen: mostly replies to
 * what the saga asked, sometimes (one step in eight) timers, stock signals, operations and redeliveries.
 */
function candidates(state: SagaState, c: Choice, now: number, sent: readonly SagaInput[], nextShipment: () => string): (() => SagaInput)[] {
  if (!hasProgress(state)) return [() => accepted(pick(POLICIES, c.a), orderLines, now)];
  const out: (() => SagaInput)[] = [];
  const noise: (() => SagaInput)[] = [];
  const step = state.step;
  if (step?.kind === 'Routing') {
    out.push(() => routed(step.attempt, somePlan(step.lines, c, nextShipment), [], now));
    out.push(() => unroutable(step.attempt, [...step.lines], pick(REASONS, c.b), now));
  }
  for (const s of state.shipments) {
    if (s.stage === 'Reserving') {
      const n = reservationNumber(s.reservationId);
      out.push(() => stockReserved(n, s.locationId, [...s.lines], now), () => reservationFailed(n, s.locationId, [...s.lines], now));
    }
    if (inFlight(s)) {
      const shortPicked = subtractLines(s.lines, [{ ...s.lines[0], quantity: 1 }]);
      out.push(
        () => fulfilmentAccepted(s.shipmentId, s.locationId, c.b % 2 ? now + 3_600_000 : null, now),
        () => dispatched(s.shipmentId, s.locationId, [...s.lines], now),
        () => dispatched(s.shipmentId, s.locationId, shortPicked.length > 0 ? shortPicked : [...s.lines], now),
        () => fulfilmentRejected(s.shipmentId, s.locationId, [s.lines[c.b % s.lines.length]], 'SHORT_PICK', now),
      );
      // A location withdraws an instruction: confirming our cancellation, or (rarely) on its own.
      (state.outcome === 'Cancelled' ? out : noise).push(() => fulfilmentCancelled(s.shipmentId, s.locationId, now));
    }
  }
  for (const a of state.abandonedReservations) {
    const lines = a.items.map(({ lineId, sku, quantity }) => ({ lineId, sku, quantity }));
    const n = reservationNumber(a.reservationId);
    const locationId = a.items[0].locationId;
    out.push(() => stockReserved(n, locationId, lines, now), () => reservationFailed(n, locationId, lines, now));
  }
  if (step?.kind === 'SelectingCarrier') {
    out.push(() => carrierSelected(c.b % 4 === 0 ? [step.shipmentIds[0]] : [...step.shipmentIds], now), () => carrierFailed([...step.shipmentIds], now));
  }
  for (const t of state.timers) noise.push(() => timerElapsed(t.timerId, Math.max(now, t.dueAt)));
  noise.push(
    () => timerElapsed(`${ORDER_ID}/timer/${1 + (c.b % Math.max(1, state.issued.timers))}`, now),
    () => stockLevelChanged(pick(orderLines, c.b).sku, pick(LOCATIONS, c.a), Math.max(0, (c.b % 7) - 2), now),
    () => holdOrder('ops-anna', 'check', now),
    () => releaseOrder('ops-anna', null, now),
    () => rerouteOrder(c.b % 2 ? [pick(LOCATIONS, c.a)] : [], 'ops-anna', 'try elsewhere', now),
    () => cancelOrder('web-de', 'CUSTOMER_REQUEST', now),
  );
  if (sent.length > 0) noise.push(() => sent[c.b % sent.length]);
  return out.length > 0 && c.action % 8 !== 0 ? out : noise;
}

interface Life { readonly events: SagaEvent[]; readonly state: SagaState; readonly states: SagaState[]; readonly statuses: SagaState['status'][] }

/** How a random life ends: as it is, with the customer cancelling, or with every party answering well until the order ends. */
type Ending = 'as-is' | 'cancel' | 'cooperate';

/** The reply a well-behaved world gives next: routing places everything, inventory holds, locations ship, operators release. */
function cooperativeInput(state: SagaState, now: number, nextShipment: () => string): SagaInput | null {
  if (!hasProgress(state) || isTerminal(state)) return null;
  if (state.hold) return releaseOrder('ops-anna', 'checked', now);
  if (waitsForOperator(state.attention)) return rerouteOrder([], 'ops-anna', 'try again', now);
  const step = state.step;
  if (step?.kind === 'Routing') return routed(step.attempt, [shipment(nextShipment(), 'dc-z', [...step.lines])], [], now);
  const reserving = state.shipments.find((s) => s.stage === 'Reserving');
  if (reserving && reserving.stage === 'Reserving') return stockReserved(reservationNumber(reserving.reservationId), reserving.locationId, [...reserving.lines], now);
  if (step?.kind === 'SelectingCarrier') return carrierSelected([...step.shipmentIds], now);
  const atLocation = state.shipments.find(inFlight);
  if (atLocation) return dispatched(atLocation.shipmentId, atLocation.locationId, [...atLocation.lines], now);
  const review = state.timers.find((t) => t.purpose === 'BACK_ORDER_REVIEW');
  if (review) return timerElapsed(review.timerId, review.dueAt);
  if (state.heldLines.length > 0 || state.attention) return releaseOrder('ops-anna', 'go on', now);
  return null;
}

function live(choices: readonly Choice[], ending: Ending): Life {
  let state = initialState();
  const events: SagaEvent[] = [];
  const statuses: SagaState['status'][] = [];
  const states: SagaState[] = [];
  const sent: SagaInput[] = [];
  const effective = new Set<SagaInput>();
  let shipments = 0;
  let now = T0;
  const run = (input: SagaInput) => {
    const outcome = decide(input, state, defaultSagaPolicy);
    expect(decide(input, state, defaultSagaPolicy)).toEqual(outcome);
    if (isRejection(outcome)) {
      expect(['HoldOrder', 'ReleaseOrder', 'RerouteOrder', 'CancelOrder']).toContain(input.type);
      return;
    }
    if (effective.has(input) || (input.type === 'TimerElapsed' && !(hasProgress(state) && state.timers.some((t) => t.timerId === input.payload.timerId)))) {
      expect(outcome).toEqual([]);
    }
    outgoingMessages(outcome);
    events.push(...outcome);
    state = outcome.reduce(evolve, state);
    statuses.push(state.status);
    states.push(state);
    sent.push(input);
    if (outcome.length > 0) effective.add(input);
  };
  for (const c of choices) {
    now += c.wait * 1_000;
    const options = candidates(state, c, now, sent, () => `shp-${++shipments}`);
    run(pick(options, c.action)());
  }
  if (ending === 'cancel' && hasProgress(state) && !isTerminal(state)) run(cancelOrder('web-de', 'CUSTOMER_REQUEST', now));
  for (let turn = 0; ending === 'cooperate' && turn < 100; turn++) {
    now += 60_000;
    const input = cooperativeInput(state, now, () => `shp-${++shipments}`);
    if (!input) break;
    run(input);
  }
  return { events, state, states, statuses };
}

type Units = Map<string, number>;
const add = (units: Units, key: string, n: number) => units.set(key, (units.get(key) ?? 0) + n);

/** Units per reservation and line: held by inventory, given back, and shipped. */
function stockLedger(life: Life) {
  const reserved: Units = new Map();
  const released: Units = new Map();
  const shipped: Units = new Map();
  const confirmed = new Set<string>();
  const reservationOf = new Map<string, string>();
  if (hasProgress(life.state)) for (const s of life.state.shipments) if (s.stage !== 'Planned') reservationOf.set(s.shipmentId, s.reservationId);
  for (const event of life.events) {
    if (event.type === 'StockReserved') {
      confirmed.add(event.payload.reservationId);
      for (const i of event.payload.items) add(reserved, `${event.payload.reservationId}|${i.lineId}`, i.quantity);
    }
    if (event.type === 'ReleaseStock') {
      expect(confirmed).toContain(event.payload.reservationId);
      for (const i of event.payload.items) add(released, `${event.payload.reservationId}|${i.lineId}`, i.quantity);
    }
    if (event.type === 'ShipmentDispatched') {
      const reservationId = reservationOf.get(event.payload.fulfilmentId);
      for (const l of event.payload.lines) add(shipped, `${reservationId}|${l.lineId}`, l.quantity);
    }
  }
  return { reserved, released, shipped };
}

describe('saga invariants over random lives of an order', () => {
  const lives = fc.array(choice, { minLength: 1, maxLength: 60 });

  it('explores the saga: random lives reach completion, cancellation, releases, re-routes and escalations', () => {
    const seen = new Set<string>();
    for (const choices of fc.sample(lives, { numRuns: 400, seed: 7 })) {
      const life = live(choices, 'as-is');
      seen.add(life.state.status);
      for (const e of life.events) seen.add(e.type === 'ReleaseStock' ? `ReleaseStock:${e.payload.reason}` : e.type);
    }
    for (const reached of ['Completed', 'Cancelled', 'OnHold', 'BackOrdered', 'PartiallyDispatched', 'ReleaseStock:ORDER_CANCELLED',
      'ReleaseStock:REROUTED', 'ReleaseStock:FULFILMENT_REJECTED', 'OrderNeedsAttention', 'FulfilmentCancellationRequested', 'LinesCancelled']) {
      expect(seen).toContain(reached);
    }
  });

  it('never reaches more than one terminal outcome, and a terminal state never changes', () => {
    fc.assert(fc.property(lives, (choices) => {
      const life = live(choices, 'as-is');
      const endings = life.events.filter((e) => e.type === 'OrderCompleted' || e.type === 'OrderCancelled' || e.type === 'OrderRejected');
      expect(endings.length).toBeLessThanOrEqual(1);
      const first = life.statuses.findIndex((s) => s === 'Completed' || s === 'Cancelled' || s === 'Rejected');
      if (first >= 0) expect(new Set(life.statuses.slice(first))).toEqual(new Set([life.statuses[first]]));
    }), { numRuns: 300 });
  });

  it('releases only stock it reserved, never more units of a reservation than were held', () => {
    fc.assert(fc.property(lives, (choices) => {
      const { reserved, released } = stockLedger(live(choices, 'as-is'));
      for (const [key, units] of released) expect(units).toBeLessThanOrEqual(reserved.get(key) ?? 0);
    }), { numRuns: 300 });
  });

  it('once the order is cancelled or completed, every reserved unit was shipped or released', () => {
    fc.assert(fc.property(lives, (choices) => {
      const life = live(choices, 'cancel');
      if (!isTerminal(life.state) || life.state.status === 'Rejected') return;
      const { reserved, released, shipped } = stockLedger(life);
      for (const [key, units] of reserved) expect((released.get(key) ?? 0) + (shipped.get(key) ?? 0)).toBeGreaterThanOrEqual(units);
      if (hasProgress(life.state)) expect(life.state.compensations.filter((c) => c.undo === 'ReleaseStock')).toEqual([]);
    }), { numRuns: 300 });
  });

  it('always ends: when every party answers well from any point, the order reaches one terminal state', () => {
    fc.assert(fc.property(lives, (choices) => {
      const life = live(choices, 'cooperate');
      expect(['Completed', 'Cancelled', 'Rejected']).toContain(life.state.status);
      if (life.state.status === 'Completed' && hasProgress(life.state)) {
        const { reserved, released, shipped } = stockLedger(life);
        for (const [key, units] of reserved) expect((released.get(key) ?? 0) + (shipped.get(key) ?? 0)).toBe(units);
      }
    }), { numRuns: 300 });
  });

  it('never instructs the same shipment twice', () => {
    fc.assert(fc.property(lives, (choices) => {
      const ids = live(choices, 'as-is').events.flatMap((e) => (e.type === 'FulfilmentInstructed' ? [e.payload.fulfilmentId] : []));
      expect(new Set(ids).size).toBe(ids.length);
    }), { numRuns: 300 });
  });

  it('nothing waits forever: every awaited reply has a live deadline unless operations were asked or the order is held', () => {
    fc.assert(fc.property(lives, (choices) => {
      for (const state of live(choices, 'as-is').states) awaitsWithDeadlines(state);
    }), { numRuns: 300 });
  });

  /** Escalating stops the clock only for the step operations were asked about; everything else keeps its deadline. */
  function awaitsWithDeadlines(state: SagaState): void {
    if (!hasProgress(state) || isTerminal(state) || state.hold) return;
    const ticking = (purpose: string, shipmentId: string | null = null) =>
      state.timers.some((t) => t.purpose === purpose && (shipmentId === null || t.shipmentId === shipmentId));
    const stepEscalated = ['OrderRouted', 'StockReserved', 'CarrierSelected'].includes(state.attention?.awaiting ?? '');
    if (!stepEscalated) {
      if (state.step?.kind === 'Routing') expect(ticking('ROUTING_REPLY')).toBe(true);
      if (state.step?.kind === 'Reserving') expect(ticking('RESERVATION_REPLY')).toBe(true);
      if (state.step?.kind === 'SelectingCarrier') expect(ticking('CARRIER_REPLY') || ticking('CARRIER_RETRY')).toBe(true);
    }
    for (const s of state.shipments) {
      if (s.stage === 'Instructed') expect(ticking('FULFILMENT_ACCEPTANCE', s.shipmentId)).toBe(true);
      if (s.stage === 'Accepted') expect(ticking('DISPATCH', s.shipmentId)).toBe(true);
    }
    if (state.heldLines.length > 0) expect(ticking('BACK_ORDER_REVIEW')).toBe(true);
    if (state.step || waitsForOperator(state.attention)) return;
    // With nothing asked at order level and no escalation, nothing may be left that the saga should be asking about.
    expect(state.shipments.filter((s) => s.stage === 'Planned')).toEqual([]);
    expect(unplacedLines(state)).toEqual([]);
    const shipsWhole = state.order.backOrderPolicy === 'HOLD' || state.order.backOrderPolicy === 'SPLIT';
    if (!(shipsWhole && state.heldLines.length > 0)) expect(state.shipments.filter((s) => s.stage === 'Reserved')).toEqual([]);
  }

  it('a stock signal releases a back-order only for units routing could not place, and only enough of them', () => {
    // A model kept from the stream alone: what each routing reply left short since the order last went on.
    const releasedByStock = /^(\d+) × (\S+) available to promise at (\S+)$/;
    let releases = 0;
    fc.assert(fc.property(lives, (choices) => {
      let requested: LineQuantity[] = [];
      let short: LineQuantity[] = [];
      for (const event of live(choices, 'as-is').events) {
        if (event.type === 'RouteOrder') requested = event.payload.lines.map(({ lineId, sku, quantity }) => ({ lineId, sku, quantity }));
        if (event.type === 'OrderRouted') short = [...short, ...subtractLines(requested, event.payload.plan.shipments.flatMap((s) => s.lines))];
        if (event.type === 'OrderUnroutable') short = [...short, ...event.payload.unplaceableLines];
        if (event.type === 'LinesCancelled') short = subtractLines(short, event.payload.lines);
        if (event.type === 'RerouteOrder') short = [];
        if (event.type !== 'OrderReleased') continue;
        const signal = event.payload.releasedBy === null ? releasedByStock.exec(event.payload.note ?? '') : null;
        if (signal) {
          releases++;
          const [, available, sku] = signal;
          expect(subtractLines(short, []).some((l) => l.sku === sku && l.quantity <= Number(available))).toBe(true);
        }
        short = [];
      }
    }), { numRuns: 300, seed: 11 });
    expect(releases).toBeGreaterThan(0);
  });

  it('replaying the stored events, even through JSON, reproduces the state', () => {
    fc.assert(fc.property(lives, (choices) => {
      const life = live(choices, 'as-is');
      expect(replay(life.events)).toEqual(life.state);
      expect(replay(JSON.parse(JSON.stringify(life.events)) as SagaEvent[])).toEqual(life.state);
    }), { numRuns: 200 });
  });
});
