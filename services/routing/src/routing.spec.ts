import { randomUUID } from 'node:crypto';
import { EventPayload } from '@switchyard/contracts';
import { createTestDatabase } from '@switchyard/infra';
import { DeadLetterHeaders, RetriableError } from '@switchyard/messaging';
import { Routing } from './routing';
import { DEFAULT_RULESET_FILE } from './routing.settings';
import type { DecisionRecord } from './decisions';
import { consumerStats, eventually, publish as publishEvents, TopicReader } from '@switchyard/service-kit/testing';
import { configDirectory, DECISION_TIME, OPERATOR_KEY, planNews, replyTo, resent, RoutingUnderTest, send, startRouting } from './testing/routing-test-kit';

// The service as deployed: the test plays inventory (StockLevelChanged) and the saga (RouteOrder) on the broker, in
// a namespace of the service's own, and reads routing.events (and the dead letters) decoded.
const LDN = 'LDN';
const MAN = 'MAN';
const GLA = 'GLA';
const BHM = 'BHM';
const network = {
  description: 'test network',
  currency: 'GBP',
  fallbackCoordinates: { GB: { lat: 52.56, lon: -1.47 } },
  locations: [
    { id: LDN, lat: 51.51, lon: -0.13, country: 'GB', handlingCost: 1.0, channels: ['web'], markets: ['GB'], dailyCapacity: 1000, cutoffs: { STANDARD: '18:00' }, utcOffsetMinutes: 0 },
    { id: MAN, lat: 53.48, lon: -2.24, country: 'GB', handlingCost: 1.0, channels: ['web'], markets: ['GB'], dailyCapacity: 1000, utcOffsetMinutes: 0 },
    { id: GLA, lat: 55.86, lon: -4.25, country: 'GB', handlingCost: 2.0, channels: ['web'], markets: ['GB'] },
    { id: BHM, lat: 52.48, lon: -1.89, country: 'GB', handlingCost: 1.0, channels: ['web'], markets: ['GB'], dailyCapacity: 1 },
  ],
};
const BIRMINGHAM = { latitude: 52.45, longitude: -1.9 };

let skuCount = 0;
const newSku = () => `SKU-${++skuCount}`;
const newOrder = () => `order-${randomUUID().slice(0, 8)}`;
const decimal4 = /^\d+\.\d{4}$/;

describe('the routing service over Kafka', () => {
  const files = configDirectory();
  let routing: RoutingUnderTest;
  let probe: TopicReader;

  beforeAll(async () => {
    const networkFile = files.write('network.json', network);
    routing = await startRouting({ network: networkFile, ruleset: DEFAULT_RULESET_FILE });
    probe = await TopicReader.start(routing.transport, ['routing.events', 'routing.commands.dlq', 'inventory.events.dlq']);
  });

  afterAll(async () => {
    await probe?.stop();
    await routing?.close();
    files.remove();
  });

  const getJson = async <T>(path: string, init?: RequestInit): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${routing.url}${path}`, init);
    return { status: response.status, body: (await response.json()) as T };
  };
  const decision = async (decisionId: string) => {
    const { status, body } = await getJson<DecisionRecord>(`/v1/decisions/${decisionId}`);
    expect(status).toBe(200);
    return body;
  };
  const decisionRows = async (orderId: string) =>
    (await routing.service.dataSource.query(`SELECT count(*)::int AS n FROM routing.decisions WHERE order_id = $1`, [orderId]))[0].n as number;

  /** Publishes stock levels as inventory would and waits until routing's projection holds each. */
  const stocked = async (...levels: [sku: string, locationId: string, available: number][]) => {
    await publishEvents(routing.transport, [...levels.map(([sku, locationId, available]) => send.stockLevel(sku, locationId, available))]);
    for (const [sku, locationId, available] of levels) {
      await eventually(async () => {
        const rows = await routing.service.dataSource.query(`SELECT available FROM routing.atp WHERE sku = $1 AND location_id = $2`, [sku, locationId]);
        if (rows[0]?.available !== available) throw new Error(`projection has ${JSON.stringify(rows)} for ${sku}@${locationId}, waiting for ${available}`);
      });
    }
  };
  const routed = async (orderId: string, attempt = 1): Promise<EventPayload<'OrderRouted'>> => {
    const [reply] = await replyTo(probe, orderId, attempt);
    if (reply.type !== 'OrderRouted') throw new Error(`order ${orderId} was not routed: ${JSON.stringify(reply.payload)}`);
    return reply.payload;
  };
  const unroutable = async (orderId: string, attempt = 1): Promise<EventPayload<'OrderUnroutable'>> => {
    const [reply] = await replyTo(probe, orderId, attempt);
    if (reply.type !== 'OrderUnroutable') throw new Error(`order ${orderId} was routed: ${JSON.stringify(reply.payload)}`);
    return reply.payload;
  };

  it('ships from the cheaper stocked location and keeps the decision with its explanation', async () => {
    const sku = newSku();
    await stocked([sku, LDN, 5], [sku, GLA, 5]);
    const orderId = newOrder();
    await publishEvents(routing.transport, [send.routeOrder(orderId, [{ sku, quantity: 2, unitWeightGrams: 500 }])]);

    const reply = await routed(orderId);
    expect(reply.plan.shipments).toEqual([
      {
        shipmentId: `${orderId}.a1.s1`,
        locationId: LDN,
        lines: [{ lineId: '1', sku, quantity: 2 }],
        estimatedCost: { amount: expect.stringMatching(decimal4), currency: 'GBP' },
        // Friday 10:00 UTC, before LDN's 18:00 cutoff: ships today, STANDARD takes two days.
        estimatedDelivery: '2026-11-29',
      },
    ]);
    expect(reply.plan.backOrderedLines).toEqual([]);
    expect(reply.plan.totalEstimatedCost).toEqual(reply.plan.shipments[0].estimatedCost);
    expect(reply.explanation).toMatchObject({ rulesetId: 'default', rulesetVersion: 1, candidatesConsidered: network.locations.length });
    expect(reply.explanation.summary).toContain(`Ship from ${LDN}`);
    expect(reply.explanation.summary).toContain(`runner-up ${GLA}`);

    const record = await decision(reply.explanation.decisionId);
    expect(record).toMatchObject({
      decisionId: reply.explanation.decisionId,
      orderId,
      attempt: 1,
      outcome: 'ROUTED',
      ruleset: { id: 'default', version: 1 },
      decisionTime: new Date(DECISION_TIME).toISOString(),
      plan: reply.plan,
      reply: { type: 'OrderRouted' },
    });
    expect(record.inputSummary['atp']).toEqual({ [sku]: { [LDN]: 5, [GLA]: 5 } });
    const candidates = record.explanation['candidates'] as { locationId: string; status: string; rule?: string }[];
    expect(candidates.map(({ locationId, status, rule }) => ({ locationId, status, ...(rule ? { rule } : {}) }))).toEqual([
      { locationId: LDN, status: 'chosen' },
      { locationId: MAN, status: 'excluded', rule: 'stock' },
      { locationId: GLA, status: 'runner-up' },
      { locationId: BHM, status: 'excluded', rule: 'stock' },
    ]);
    const forOrder = await getJson<{ decisions: DecisionRecord[] }>(`/v1/orders/${orderId}/decisions`);
    expect(forOrder.body.decisions.map((d) => d.decisionId)).toEqual([reply.explanation.decisionId]);
  });

  it('splits a three-line order no single location can fill into two shipments', async () => {
    const [a, b, c] = [newSku(), newSku(), newSku()];
    await stocked([a, LDN, 3], [b, LDN, 3], [c, MAN, 3]);
    const orderId = newOrder();
    await publishEvents(routing.transport, [send.routeOrder(orderId, [{ sku: a, quantity: 1 }, { sku: b, quantity: 2 }, { sku: c, quantity: 3 }])]);

    const reply = await routed(orderId);
    expect(reply.plan.shipments.map(({ shipmentId, locationId, lines }) => ({ shipmentId, locationId, lines }))).toEqual([
      { shipmentId: `${orderId}.a1.s1`, locationId: LDN, lines: [{ lineId: '1', sku: a, quantity: 1 }, { lineId: '2', sku: b, quantity: 2 }] },
      { shipmentId: `${orderId}.a1.s2`, locationId: MAN, lines: [{ lineId: '3', sku: c, quantity: 3 }] },
    ]);
    // The total is the shipments' costs plus the ruleset's split penalty (2 per shipment beyond the first).
    const shipmentsCost = reply.plan.shipments.reduce((sum, s) => sum + Number(s.estimatedCost.amount), 0);
    expect(Number(reply.plan.totalEstimatedCost.amount)).toBeCloseTo(shipmentsCost + 2, 3);
  });

  it('answers NO_STOCK with the lines when no location has any', async () => {
    const [a, b] = [newSku(), newSku()];
    const orderId = newOrder();
    await publishEvents(routing.transport, [send.routeOrder(orderId, [{ sku: a, quantity: 1 }, { sku: b, quantity: 4, lineId: 'L-b' }])]);

    const reply = await unroutable(orderId);
    expect(reply).toMatchObject({
      orderId,
      attempt: 1,
      reason: 'NO_STOCK',
      unplaceableLines: [
        { lineId: '1', sku: a, quantity: 1 },
        { lineId: 'L-b', sku: b, quantity: 4 },
      ],
    });
    expect(reply.summary).toContain(`no location has ATP for ${a}`);
    expect(await decision(reply.decisionId)).toMatchObject({ outcome: 'UNROUTABLE', unroutableReason: 'NO_STOCK', plan: null, reply: { type: 'OrderUnroutable', payload: { reason: 'NO_STOCK' } } });
  });

  it('never uses a location the request excludes', async () => {
    const sku = newSku();
    await stocked([sku, LDN, 5], [sku, GLA, 5]);
    const orderId = newOrder();
    await publishEvents(routing.transport, [send.routeOrder(orderId, [{ sku, quantity: 1 }], { attempt: 2, excludedLocationIds: [LDN] })]);

    const reply = await routed(orderId, 2);
    expect(reply.plan.shipments).toMatchObject([{ shipmentId: `${orderId}.a2.s1`, locationId: GLA }]);
    const record = await decision(reply.explanation.decisionId);
    expect((record.explanation['candidates'] as { locationId: string }[]).map((c) => c.locationId)).not.toContain(LDN);
    expect(record.inputSummary['excludedLocationIds']).toEqual([LDN]);
    expect(record.explanation['excludedByRequest']).toEqual([LDN]);
  });

  it('takes the latest stock level, ignores an older one, and routes nothing from an emptied location', async () => {
    const sku = newSku();
    await stocked([sku, LDN, 5]);
    const olderLevel = send.stockLevel(sku, LDN, 9, Date.now() - 60_000);
    await publishEvents(routing.transport, [send.stockLevel(sku, LDN, 0, Date.now() + 1_000), olderLevel]);
    // Its message id is its event id.
    const older = olderLevel.payload.metadata.eventId;
    // The older level arrives last: once its message is in the inbox, it has been handled.
    await eventually(async () => {
      const rows = await routing.service.dataSource.query(`SELECT 1 FROM routing.messaging_inbox WHERE message_id = $1`, [older]);
      if (rows.length === 0) throw new Error(`the older stock level (message ${older}) has not been handled yet`);
    });
    const [row] = await routing.service.dataSource.query(`SELECT available FROM routing.atp WHERE sku = $1 AND location_id = $2`, [sku, LDN]);
    expect(row.available).toBe(0);

    const orderId = newOrder();
    await publishEvents(routing.transport, [send.routeOrder(orderId, [{ sku, quantity: 1 }])]);
    expect(await unroutable(orderId)).toMatchObject({ reason: 'NO_STOCK', unplaceableLines: [{ sku, quantity: 1 }] });
  });

  it('skips the other events on inventory.events without dead-lettering them', async () => {
    const sku = newSku();
    const before = consumerStats(routing.service);
    await publishEvents(routing.transport, [{
      type: 'StockAdjusted',
      payload: { metadata: { eventId: randomUUID(), occurredAt: Date.now(), correlationId: sku, causationId: null }, sku, locationId: LDN, quantityDelta: 3, onHandAfter: 3, reason: 'RECEIVED', reference: null },
    }]);
    await eventually(() => {
      if ((consumerStats(routing.service)['ignored'] ?? 0) <= (before['ignored'] ?? 0)) throw new Error('the StockAdjusted has not been skipped yet');
    });
    expect(consumerStats(routing.service)['dead-lettered']).toBe(before['dead-lettered']);
    // Everything on the dead-letter topics so far has been read, so an absence here means none was sent.
    await probe.caughtUp();
    expect(probe.deadLetters((d) => d.key === `${sku}@${LDN}`)).toEqual([]);
  });

  it('counts its own shipments against daily capacity', async () => {
    const sku = newSku();
    await stocked([sku, BHM, 10], [sku, MAN, 10]);
    const first = newOrder();
    const second = newOrder();
    const toBirmingham = { destination: { ...send.routeOrder('x', []).payload.destination, city: 'Birmingham', coordinates: BIRMINGHAM } };
    await publishEvents(routing.transport, [send.routeOrder(first, [{ sku, quantity: 1 }], toBirmingham)]);
    expect((await routed(first)).plan.shipments).toMatchObject([{ locationId: BHM }]);

    // BHM's one shipment a day is taken: the next order goes to Manchester.
    await publishEvents(routing.transport, [send.routeOrder(second, [{ sku, quantity: 1 }], toBirmingham)]);
    const reply = await routed(second);
    expect(reply.plan.shipments).toMatchObject([{ locationId: MAN }]);
    const record = await decision(reply.explanation.decisionId);
    expect((record.explanation['candidates'] as { locationId: string; status: string; rule?: string }[]).find((c) => c.locationId === BHM)).toMatchObject({
      status: 'excluded',
      rule: 'capacity',
    });
  });

  it('decides again when a concurrent decision took the last capacity it counted on', async () => {
    const sku = newSku();
    await stocked([sku, BHM, 10], [sku, MAN, 10]);
    const decisions = routing.service.app.get(Routing).decisions;
    const dataSource = routing.service.dataSource;
    // The next day: BHM's one shipment is still free.
    const options = { occurredAt: DECISION_TIME + 86_400_000, destination: { ...send.routeOrder('x', []).payload.destination, coordinates: BIRMINGHAM } };
    const first = send.routeOrder(newOrder(), [{ sku, quantity: 1 }], options).payload;
    const second = send.routeOrder(newOrder(), [{ sku, quantity: 1 }], options).payload;

    let secondDecision: Promise<unknown> | undefined;
    await dataSource.transaction(async (em) => {
      const [reply] = await decisions.route(em, first);
      expect(reply.event).toMatchObject({ type: 'OrderRouted', payload: { plan: { shipments: [{ locationId: BHM }] } } });
      // The second decision counts BHM free (the first has not committed) and then waits for BHM's row.
      secondDecision = dataSource.transaction((other) => decisions.route(other, second)).catch((error: unknown) => error);
      await eventually(async () => {
        const [{ waiting }] = await dataSource.query(`SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
        if (waiting === 0) throw new Error('the second decision is not waiting for the location yet');
      });
    });
    const error = await secondDecision;
    expect(error).toBeInstanceOf(RetriableError);
    expect((error as Error).message).toContain(`a concurrent decision used the last capacity of ${BHM}`);
    // Its retry counts again and goes to Manchester.
    const [retried] = await dataSource.transaction((em) => decisions.route(em, second));
    expect(retried.event).toMatchObject({ type: 'OrderRouted', payload: { plan: { shipments: [{ locationId: MAN }] } } });
  });

  describe('capacity given back when a plan does not go ahead', () => {
    // BHM ships one order a day; each case has a day of its own, so BHM is free at its start.
    let days = 10;
    const freshDay = () => ({ occurredAt: DECISION_TIME + ++days * 86_400_000, destination: { ...send.routeOrder('x', []).payload.destination, coordinates: BIRMINGHAM } });
    type Day = ReturnType<typeof freshDay>;
    type Shipment = EventPayload<'OrderRouted'>['plan']['shipments'][number];

    /** Routes a one-line order (attempt 1 unless told) on `day` and returns its only shipment. */
    const routeOn = async (day: Day, sku: string, orderId = newOrder(), more: { attempt?: number; excludedLocationIds?: string[]; quantity?: number } = {}) => {
      const { quantity = 1, ...rest } = more;
      await publishEvents(routing.transport, [send.routeOrder(orderId, [{ sku, quantity }], { ...day, ...rest })]);
      const [shipment] = (await routed(orderId, rest.attempt ?? 1)).plan.shipments;
      return { orderId, shipment };
    };
    /** Publishes the events and waits until routing handled each: its inbox row commits with its effect. */
    const handled = async (...events: Parameters<typeof publishEvents>[1]) => {
      await publishEvents(routing.transport, events);
      const ids = [...new Set(events.map((event) => event.payload.metadata.eventId))];
      await eventually(async () => {
        const rows: { message_id: string }[] = await routing.service.dataSource.query(`SELECT message_id FROM routing.messaging_inbox WHERE message_id = ANY($1::text[])`, [ids]);
        if (rows.length < ids.length) throw new Error(`routing has handled ${rows.length} of messages ${ids.join(', ')} so far`);
      });
    };
    const stateOf = async (shipment: Shipment) => {
      const [row]: { release_reason: string | null; released_by_event: string | null; dispatched: boolean }[] = await routing.service.dataSource.query(
        `SELECT release_reason, released_by_event, dispatched FROM routing.planned_shipments WHERE shipment_id = $1`,
        [shipment.shipmentId],
      );
      return row;
    };
    const stocked2 = async () => {
      const sku = newSku();
      await stocked([sku, BHM, 10], [sku, MAN, 10]);
      return sku;
    };

    it('gives back what a cancelled order took, once however often the cancellation arrives', async () => {
      const sku = await stocked2();
      const day = freshDay();
      const first = await routeOn(day, sku);
      expect(first.shipment.locationId).toBe(BHM);
      const cancelled = planNews.orderCancelled(first.orderId, first.shipment.lines);
      await handled(cancelled);
      expect(await stateOf(first.shipment)).toEqual({ release_reason: 'ORDER_CANCELLED', released_by_event: cancelled.payload.metadata.eventId, dispatched: false });

      // BHM's shipment for the day is free again: the next order takes it.
      expect((await routeOn(day, sku)).shipment.locationId).toBe(BHM);
      // The cancellation again, redelivered and as a copy under a new id: nothing more is given back.
      await handled(cancelled, resent(cancelled));
      expect((await stateOf(first.shipment)).released_by_event).toBe(cancelled.payload.metadata.eventId);
      expect((await routeOn(day, sku)).shipment.locationId).toBe(MAN);
    });

    it('gives back the shipment whose reservation failed', async () => {
      const sku = await stocked2();
      const day = freshDay();
      const first = await routeOn(day, sku);
      expect(first.shipment.locationId).toBe(BHM);
      const failed = planNews.reservationFailed(first.orderId, `${first.orderId}/reservation/1`, first.shipment);
      await handled(failed, resent(failed));
      expect(await stateOf(first.shipment)).toMatchObject({ release_reason: 'RESERVATION_FAILED', released_by_event: failed.payload.metadata.eventId });
      expect((await routeOn(day, sku)).shipment.locationId).toBe(BHM);
      expect((await routeOn(day, sku)).shipment.locationId).toBe(MAN);
    });

    it('gives back a shipment the location rejects in full or cancels, and keeps one it rejects in part', async () => {
      const sku = await stocked2();
      const day = freshDay();
      const first = await routeOn(day, sku, newOrder(), { quantity: 2 });
      expect(first.shipment).toMatchObject({ locationId: BHM, lines: [{ quantity: 2 }] });
      await handled(planNews.stockReserved(first.orderId, `${first.orderId}/reservation/1`, first.shipment));
      // One of the two units rejected: the location still ships the other, so the day stays full.
      await handled(planNews.fulfilmentRejected(first.orderId, first.shipment, [{ ...first.shipment.lines[0], quantity: 1 }]));
      expect((await stateOf(first.shipment)).release_reason).toBeNull();
      expect((await routeOn(day, sku)).shipment.locationId).toBe(MAN);
      await handled(planNews.fulfilmentRejected(first.orderId, first.shipment));
      expect((await stateOf(first.shipment)).release_reason).toBe('FULFILMENT_REJECTED');
      const second = await routeOn(day, sku);
      expect(second.shipment.locationId).toBe(BHM);

      await handled(planNews.fulfilmentCancelled(second.orderId, second.shipment));
      expect((await stateOf(second.shipment)).release_reason).toBe('FULFILMENT_CANCELLED');
      expect((await routeOn(day, sku)).shipment.locationId).toBe(BHM);
    });

    it("gives back an earlier attempt's shipment a re-route supersedes, unless inventory reserved it", async () => {
      const sku = await stocked2();
      const day = freshDay();
      const rerouted = await routeOn(day, sku);
      expect(rerouted.shipment.locationId).toBe(BHM);
      // Attempt 2 (say an operator re-route away from BHM): attempt 1's shipment was never reserved, so it is not going ahead.
      const again = await routeOn(day, sku, rerouted.orderId, { attempt: 2, excludedLocationIds: [BHM] });
      expect(again.shipment.locationId).toBe(MAN);
      expect((await stateOf(rerouted.shipment)).release_reason).toBe('SUPERSEDED');
      const next = await routeOn(day, sku);
      expect(next.shipment.locationId).toBe(BHM);

      // A reserved shipment goes ahead whatever else is re-routed: the day stays full.
      const otherDay = freshDay();
      const kept = await routeOn(otherDay, sku);
      await handled(planNews.stockReserved(kept.orderId, `${kept.orderId}/reservation/1`, kept.shipment));
      await routeOn(otherDay, sku, kept.orderId, { attempt: 2, excludedLocationIds: [BHM] });
      expect((await stateOf(kept.shipment)).release_reason).toBeNull();
      expect((await routeOn(otherDay, sku)).shipment.locationId).toBe(MAN);
      // Until the saga gives all its stock back (the operator re-routed it before it was instructed).
      await handled(planNews.reservationReleased(kept.orderId, `${kept.orderId}/reservation/1`, kept.shipment));
      expect((await stateOf(kept.shipment)).release_reason).toBe('RESERVATION_RELEASED');
      expect((await routeOn(otherDay, sku)).shipment.locationId).toBe(BHM);
    });

    it('counts a superseded shipment again when its reservation is read after the re-route', async () => {
      const sku = await stocked2();
      const day = freshDay();
      const first = await routeOn(day, sku);
      // The saga's re-route reaches routing before inventory's StockReserved that came before it (another topic).
      await routeOn(day, sku, first.orderId, { attempt: 2, excludedLocationIds: [BHM] });
      expect((await stateOf(first.shipment)).release_reason).toBe('SUPERSEDED');
      await handled(planNews.stockReserved(first.orderId, `${first.orderId}/reservation/1`, first.shipment));
      expect((await stateOf(first.shipment)).release_reason).toBeNull();
      expect((await routeOn(day, sku)).shipment.locationId).toBe(MAN);
    });

    it('counts a shipment that left the location, even when a cancellation was read first', async () => {
      const sku = await stocked2();
      const day = freshDay();
      const left = await routeOn(day, sku);
      await handled(planNews.shipmentDispatched(left.orderId, left.shipment), planNews.orderCancelled(left.orderId));
      expect(await stateOf(left.shipment)).toEqual({ release_reason: null, released_by_event: null, dispatched: true });
      expect((await routeOn(day, sku)).shipment.locationId).toBe(MAN);

      const otherDay = freshDay();
      const overtaken = await routeOn(otherDay, sku);
      await handled(planNews.orderCancelled(overtaken.orderId));
      expect((await stateOf(overtaken.shipment)).release_reason).toBe('ORDER_CANCELLED');
      await handled(planNews.shipmentDispatched(overtaken.orderId, overtaken.shipment));
      expect(await stateOf(overtaken.shipment)).toEqual({ release_reason: null, released_by_event: null, dispatched: true });
      expect((await routeOn(otherDay, sku)).shipment.locationId).toBe(MAN);
    });
  });

  it('uses the network point of the country for an address without coordinates, and says when there is none', async () => {
    const sku = newSku();
    await stocked([sku, LDN, 2]);
    const base = send.routeOrder('x', []).payload.destination;
    const known = newOrder();
    const unknown = newOrder();
    await publishEvents(routing.transport, [send.routeOrder(known, [{ sku, quantity: 1 }], { destination: { ...base, coordinates: null } }),
      send.routeOrder(unknown, [{ sku, quantity: 1 }], { destination: { ...base, countryCode: 'US', coordinates: null } })]);
    const reply = await routed(known);
    expect((await decision(reply.explanation.decisionId)).inputSummary['destination']).toEqual({ countryCode: 'GB', point: { lat: 52.56, lon: -1.47 }, pointFrom: 'fallback' });
    const refused = await unroutable(unknown);
    expect(refused).toMatchObject({ reason: 'UNSERVICEABLE_DESTINATION', unplaceableLines: [{ lineId: '1', sku, quantity: 1 }] });
    expect(refused.summary).toContain('/fallbackCoordinates/US');
  });

  it('answers a re-sent RouteOrder with the stored decision, and dead-letters a changed one of the same attempt', async () => {
    const sku = newSku();
    await stocked([sku, MAN, 4]);
    const orderId = newOrder();
    const command = send.routeOrder(orderId, [{ sku, quantity: 2 }]);
    await publishEvents(routing.transport, [command]);
    const first = await routed(orderId);

    // The saga's deadline passed and it asks again: same attempt, new message. Stock changed meanwhile, but the answer does not.
    await stocked([sku, LDN, 4]);
    await publishEvents(routing.transport, [resent(command)]);
    const replies = await replyTo(probe, orderId, 1, 2);
    expect(replies[1]).toMatchObject({ type: 'OrderRouted', payload: { plan: first.plan, explanation: first.explanation } });
    expect(await decisionRows(orderId)).toBe(1);

    await publishEvents(routing.transport, [{ ...resent(command), payload: { ...resent(command).payload, lines: [{ ...command.payload.lines[0], quantity: 3 }] } }]);
    const dead = await probe.deadLetter(orderId);
    expect(dead.headers[DeadLetterHeaders.error]).toContain(`RouteOrder attempt 1 of order ${orderId} differs from the one already decided (decision ${first.explanation.decisionId}`);
    expect(await decisionRows(orderId)).toBe(1);
  });

  it('dead-letters a command no retry can fix, naming the order and the line', async () => {
    const sku = newSku();
    const orderId = newOrder();
    await publishEvents(routing.transport, [send.routeOrder(orderId, [{ sku, quantity: 1 }, { sku, quantity: 0, lineId: 'gift' }])]);
    const dead = await probe.deadLetter(orderId);
    expect(dead.headers[DeadLetterHeaders.reason]).toBe('fatal-error');
    expect(dead.headers[DeadLetterHeaders.error]).toBe(`RouteOrder attempt 1 of order ${orderId}: line gift (position 2, ${sku}) has quantity 0; it must be at least 1`);
    expect(await decisionRows(orderId)).toBe(0);
  });

  it('shows the network, and lets an operator replace it with a valid one', async () => {
    const { status, body } = await getJson<{ currency: string; locations: { id: string }[] }>('/v1/network');
    expect(status).toBe(200);
    expect(body.currency).toBe('GBP');
    expect(body.locations.map((l) => l.id)).toEqual([LDN, MAN, GLA, BHM]);

    const put = (content: unknown, authorization = `Bearer ${OPERATOR_KEY}`) =>
      getJson<{ locations?: { id: string }[]; issues?: { path: string; message: string }[] }>('/v1/network', {
        method: 'PUT',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify(content),
      });
    const extra = { id: 'CDF', lat: 51.48, lon: -3.18, country: 'GB', handlingCost: 1.5 };
    expect((await put({ ...network, locations: [...network.locations, extra] }, 'Bearer wrong')).status).toBe(401);
    expect((await put({ ...network, locations: [...network.locations, extra] }, '')).status).toBe(401);
    const refused = await put({ ...network, locations: [...network.locations, { ...extra, handlingCost: -1 }] });
    expect(refused).toMatchObject({ status: 400, body: { issues: [{ path: '/locations/4/handlingCost', message: 'must be >= 0' }] } });
    const replaced = await put({ ...network, locations: [...network.locations, extra] });
    expect(replaced.status).toBe(200);
    expect(replaced.body.locations?.map((l) => l.id)).toEqual([LDN, MAN, GLA, BHM, extra.id]);
    expect((await put(network)).body.locations?.map((l) => l.id)).toEqual([LDN, MAN, GLA, BHM]);
  });

  describe('rulesets', () => {
    const operator = { authorization: `Bearer ${OPERATOR_KEY}`, 'content-type': 'application/json', 'x-operator-id': 'ops-anna' };
    const publish = (body: unknown, headers: Record<string, string> = operator) =>
      getJson<{ version: number; issues?: { path: string; message: string }[]; message?: string }>('/v1/rulesets/default', { method: 'POST', headers, body: JSON.stringify(body) });

    it('refuses an invalid ruleset with the path and the reason, and a request without the operator key', async () => {
      const invalid = await publish({ maxShipments: 0, splitPenality: 1 });
      expect(invalid.status).toBe(400);
      expect(invalid.body.issues).toEqual(
        expect.arrayContaining([
          { path: '/splitPenality', message: 'is not a known field (check the spelling against the schema)' },
          { path: '/maxShipments', message: 'must be >= 1' },
        ]),
      );
      const anonymous = await publish({ maxShipments: 1 }, { 'content-type': 'application/json' });
      expect(anonymous.status).toBe(401);
      const wrongKey = await publish({ maxShipments: 1 }, { ...operator, authorization: 'Bearer not-the-key' });
      expect(wrongKey.status).toBe(401);
      expect((await getJson<{ version: number }>('/v1/rulesets/default')).body.version).toBe(1);
    });

    it('publishes a new version that the next decision uses', async () => {
      const [a, c] = [newSku(), newSku()];
      await stocked([a, LDN, 3], [c, MAN, 3]);
      const twoPlaces = [{ sku: a, quantity: 1 }, { sku: c, quantity: 1 }];
      const before = newOrder();
      await publishEvents(routing.transport, [send.routeOrder(before, twoPlaces)]);
      expect((await routed(before)).plan.shipments).toHaveLength(2);

      const { body: active } = await getJson<{ body: Record<string, unknown> }>('/v1/rulesets/default');
      const published = await publish({ ...active.body, id: undefined, version: undefined, maxShipments: 1 });
      expect(published).toMatchObject({ status: 201, body: { rulesetId: 'default', version: 2, publishedBy: 'ops-anna', routesOrders: true } });
      const stale = await publish({ ...active.body, version: 2 });
      expect(stale.status).toBe(409);
      expect(stale.body.message).toContain('the next version of "default" is 3');

      // One shipment at most: a HOLD order that needs two is unroutable; a PART_SHIP one ships what one location can.
      const held = newOrder();
      const partShip = newOrder();
      await publishEvents(routing.transport, [send.routeOrder(held, twoPlaces), send.routeOrder(partShip, twoPlaces, { backOrderPolicy: 'PART_SHIP' })]);
      const refused = await unroutable(held);
      expect(refused).toMatchObject({ reason: 'TOO_MANY_SPLITS', unplaceableLines: [{ lineId: '1', sku: a, quantity: 1 }, { lineId: '2', sku: c, quantity: 1 }] });
      expect((await decision(refused.decisionId)).ruleset).toEqual({ id: 'default', version: 2 });
      const partial = await routed(partShip);
      expect(partial.explanation.rulesetVersion).toBe(2);
      expect(partial.plan.shipments).toHaveLength(1);
      expect(partial.plan.backOrderedLines).toHaveLength(1);
      const shipped = partial.plan.shipments[0].lines[0].sku;
      expect(partial.plan.backOrderedLines[0]).toMatchObject({ sku: shipped === a ? c : a, quantity: 1 });

      const history = await getJson<{ version: number; versions: { version: number; publishedBy: string }[] }>('/v1/rulesets/default');
      expect(history.body.version).toBe(2);
      expect(history.body.versions.map((v) => [v.version, v.publishedBy])).toEqual([
        [1, `seed:${DEFAULT_RULESET_FILE}`],
        [2, 'ops-anna'],
      ]);
    });
  });
});

describe('routing at start-up', () => {
  const files = configDirectory();
  const embedded = { env: { MESSAGING_TRANSPORT: 'embedded' } };
  afterAll(() => files.remove());

  it('refuses a network file with mistakes, naming the file and every mistake by its path', async () => {
    const bad = files.write('bad-network.yaml', {
      currency: 'euro',
      locations: [
        { id: 'A', lat: 91, lon: 0, country: 'GB', handlingCost: 1 },
        { id: 'A', lat: 50, lon: 0, country: 'GB', handlingCost: 1, usedToday: 3, cutoffs: { OVERNIGHT: '17:00' } },
      ],
    });
    const attempt = startRouting({ network: bad }, embedded);
    await expect(attempt).rejects.toThrow(`NETWORK_FILE ${bad} is not a valid network:`);
    await expect(attempt).rejects.toThrow(/\/currency: must be an ISO 4217 code[\s\S]*\/locations\/1\/usedToday: is counted by routing[\s\S]*\/locations\/1\/cutoffs\/OVERNIGHT: is not a service level[\s\S]*\/locations\/0\/lat: must be <= 90/);
  });

  it('answers 503 naming OPERATOR_API_KEY on the operator endpoints when it runs without one', async () => {
    const started = await startRouting({ network: files.write('network.json', network) }, { ...embedded, withoutOperatorKey: true });
    try {
      const operatorCall = (method: string, path: string) =>
        fetch(`${started.url}${path}`, { method, headers: { authorization: `Bearer ${OPERATOR_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(network) });
      for (const response of [await operatorCall('PUT', '/v1/network'), await operatorCall('POST', '/v1/rulesets/default')]) {
        expect(response.status).toBe(503);
        expect(((await response.json()) as { message: string }).message).toBe('Operator endpoints are off: start routing with OPERATOR_API_KEY set to turn them on.');
      }
      // Reading needs no key.
      expect((await fetch(`${started.url}/v1/network`)).status).toBe(200);
    } finally {
      await started.close();
    }
  });

  it('seeds the ruleset file once, and again only when the file carries a higher version', async () => {
    const database = await createTestDatabase('routing start-up');
    try {
      const networkFile = files.write('network.json', network);
      const restart = async (ruleset: Record<string, unknown>) => {
        const started = await startRouting({ network: networkFile, ruleset: files.write('ruleset.json', ruleset) }, { ...embedded, database });
        try {
          return (await (await fetch(`${started.url}/v1/rulesets/${String(ruleset['id'])}`)).json()) as { version: number; body: Record<string, unknown> };
        } finally {
          await started.close();
        }
      };
      expect(await restart({ id: 'uk', version: 1, maxShipments: 2 })).toMatchObject({ version: 1, body: { maxShipments: 2 } });
      // Same version, other content: what was published stays in force.
      expect(await restart({ id: 'uk', version: 1, maxShipments: 4 })).toMatchObject({ version: 1, body: { maxShipments: 2 } });
      expect(await restart({ id: 'uk', version: 2, maxShipments: 4 })).toMatchObject({ version: 2, body: { maxShipments: 4 } });
    } finally {
      await database.drop();
    }
  });
});
