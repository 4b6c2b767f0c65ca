import { createHash, randomUUID } from 'node:crypto';
import { AnyEvent, EventPayload, keyOf, topicOf, type Address } from '@switchyard/contracts';
import { FatalError, RetriableError, type OutgoingEvent } from '@switchyard/messaging';
import { routeOrder, type Atp, type Destination, type GeoPoint, type Location, type Order, type Ruleset } from '@switchyard/routing-engine';
import { EntityManager } from 'typeorm';
import { AtpProjection } from './atp-projection';
import { PlannedCapacity, type CapacityChange } from './capacity';
import { ENGINE_BACK_ORDER_POLICY, engineLines, toReply, type ReplyPayload } from './contract-mapping';
import { localDayAt, NetworkStore } from './network';
import { RulesetStore } from './rulesets';

type RouteOrder = EventPayload<'RouteOrder'>;

/** A decision as the operations team reads it: what routing saw, what it chose and why. */
export type DecisionRecord = {
  readonly decisionId: string;
  readonly orderId: string;
  readonly attempt: number;
  readonly outcome: 'ROUTED' | 'UNROUTABLE';
  readonly unroutableReason: string | null;
  readonly ruleset: { readonly id: string; readonly version: number };
  /** The time the decision was made for (the RouteOrder's occurredAt): cutoffs, ship days and capacity days. */
  readonly decisionTime: string;
  readonly decidedAt: string;
  readonly commandEventId: string;
  readonly inputSummary: Record<string, unknown>;
  readonly plan: EventPayload<'OrderRouted'>['plan'] | null;
  /** The engine's full explanation: every candidate location with the rule that excluded it or its costs, the runner-up, the search. */
  readonly explanation: Record<string, unknown>;
  readonly reply: ReplyPayload;
};

type DecisionRow = {
  decision_id: string;
  order_id: string;
  attempt: number;
  outcome: 'ROUTED' | 'UNROUTABLE';
  unroutable_reason: string | null;
  ruleset_id: string;
  ruleset_version: number;
  decision_time: Date;
  decided_at: Date;
  command_event_id: string;
  command_digest: string;
  input_summary: Record<string, unknown>;
  plan: EventPayload<'OrderRouted'>['plan'] | null;
  explanation: Record<string, unknown>;
  reply_type: ReplyPayload['type'];
  reply: ReplyPayload['payload'];
};

const toRecord = (row: DecisionRow): DecisionRecord => ({
  decisionId: row.decision_id,
  orderId: row.order_id,
  attempt: row.attempt,
  outcome: row.outcome,
  unroutableReason: row.unroutable_reason,
  ruleset: { id: row.ruleset_id, version: row.ruleset_version },
  decisionTime: row.decision_time.toISOString(),
  decidedAt: row.decided_at.toISOString(),
  commandEventId: row.command_event_id,
  inputSummary: row.input_summary,
  plan: row.plan,
  explanation: row.explanation,
  reply: { type: row.reply_type, payload: row.reply } as ReplyPayload,
});

const which = (command: RouteOrder) => `RouteOrder attempt ${command.attempt} of order ${command.orderId}`;

/** What no retry can fix in a command: dead-lettered at once, naming the line. */
function assertRoutable(command: RouteOrder): void {
  if (command.lines.length === 0) throw new FatalError(`${which(command)} has no lines: send the lines still to be placed`);
  const lineIds = new Set<string>();
  command.lines.forEach((line, i) => {
    if (line.quantity < 1) throw new FatalError(`${which(command)}: line ${line.lineId} (position ${i + 1}, ${line.sku}) has quantity ${line.quantity}; it must be at least 1`);
    if (lineIds.has(line.lineId)) throw new FatalError(`${which(command)}: line id ${line.lineId} appears twice; line ids must be unique within the order`);
    lineIds.add(line.lineId);
  });
}

/** The same attempt sent again must ask the same question; metadata differs on every send. */
const digestOf = ({ metadata: _, ...command }: RouteOrder): string => createHash('sha256').update(JSON.stringify(command)).digest('hex');

/** Where the engine measures distances to: the address's coordinates, else the network's point for its country. */
function destinationOf(address: Address, fallback: Readonly<Record<string, GeoPoint>>): (Destination & { source: 'address' | 'fallback' }) | undefined {
  if (address.coordinates) return { lat: address.coordinates.latitude, lon: address.coordinates.longitude, country: address.countryCode, source: 'address' };
  const point = fallback[address.countryCode];
  return point ? { ...point, country: address.countryCode, source: 'fallback' } : undefined;
}

const atpSeen = (atp: Atp): Record<string, Record<string, number>> => Object.fromEntries([...atp].map(([sku, byLocation]) => [sku, Object.fromEntries(byLocation)]));

/** A decision before it is stored: the engine's answer in contract words, and what it saw. */
type Decided = {
  readonly ruleset: Ruleset;
  readonly inputSummary: Record<string, unknown>;
  readonly reply: ReplyPayload;
  readonly explanation: Record<string, unknown>;
  /** Where the plan's shipments leave from, on which local day: the capacity they take. */
  readonly shipping: readonly { readonly location: Location; readonly localDay: string }[];
};

export class RoutingDecisions {
  constructor(
    private readonly network: NetworkStore,
    private readonly projection: AtpProjection,
    private readonly rulesets: RulesetStore,
    private readonly capacity: PlannedCapacity,
    private readonly activeRulesetId: () => string,
    private readonly onCapacityChange: (what: string, change: CapacityChange) => void = () => undefined,
  ) {}

  /**
   * Decides a RouteOrder in the caller's transaction and returns the reply to publish through the outbox in it.
   * Idempotent per (orderId, attempt): a command sent again gets the stored decision again, never a new one.
   */
  async route(em: EntityManager, command: RouteOrder): Promise<OutgoingEvent[]> {
    assertRoutable(command);
    const digest = digestOf(command);
    const [stored]: DecisionRow[] = await em.query(`SELECT * FROM routing.decisions WHERE order_id = $1 AND attempt = $2`, [command.orderId, command.attempt]);
    if (stored) {
      if (stored.command_digest !== digest) {
        throw new FatalError(
          `${which(command)} differs from the one already decided (decision ${stored.decision_id}, from message ${stored.command_event_id}); ` +
            'nothing was decided again. A changed request needs a new attempt number.',
        );
      }
      return [this.outgoing(toRecord(stored).reply, command)];
    }

    // A re-route: earlier plans' shipments never reserved are not going ahead, and this decision may use their capacity.
    this.onCapacityChange(which(command), await this.capacity.superseded(em, command));
    const decisionId = randomUUID();
    const { ruleset, inputSummary, reply, explanation, shipping } = await this.decide(em, command, decisionId);
    if (ruleset.filters.capacity) {
      const full = await this.network.overbooked(em, shipping);
      if (full.length > 0) throw new RetriableError(`${which(command)}: a concurrent decision used the last capacity of ${full.join(', ')} today; deciding again`);
    }
    const inserted: { decision_id: string }[] = await em.query(
      `INSERT INTO routing.decisions (decision_id, order_id, attempt, outcome, unroutable_reason, ruleset_id, ruleset_version, decision_time,
         command_event_id, command_digest, input_summary, plan, explanation, reply_type, reply)
       VALUES ($1, $2, $3, $4, $5, $6, $7, to_timestamp($8::double precision / 1000), $9, $10, $11, $12, $13, $14, $15)
       ON CONFLICT (order_id, attempt) DO NOTHING RETURNING decision_id`,
      [
        decisionId,
        command.orderId,
        command.attempt,
        reply.type === 'OrderRouted' ? 'ROUTED' : 'UNROUTABLE',
        reply.type === 'OrderUnroutable' ? reply.payload.reason : null,
        ruleset.id,
        ruleset.version,
        command.metadata.occurredAt,
        command.metadata.eventId,
        digest,
        JSON.stringify(inputSummary),
        reply.type === 'OrderRouted' ? JSON.stringify(reply.payload.plan) : null,
        JSON.stringify(explanation),
        reply.type,
        JSON.stringify(reply.payload),
      ],
    );
    // Another instance decided the same attempt in the meantime: the retry finds its decision and answers with it.
    if (inserted.length === 0) throw new RetriableError(`${which(command)} was decided concurrently by another consumer; retrying to answer with its decision`);
    if (reply.type === 'OrderRouted') {
      const shipments = reply.payload.plan.shipments;
      await em.query(
        `INSERT INTO routing.planned_shipments (shipment_id, decision_id, location_id, local_day)
         SELECT id, $1, location_id, local_day FROM unnest($2::text[], $3::text[], $4::date[]) AS s(id, location_id, local_day)`,
        [decisionId, shipments.map((s) => s.shipmentId), shipments.map((s) => s.locationId), shipping.map((s) => s.localDay)],
      );
    }
    return [this.outgoing(reply, command)];
  }

  async byId(em: EntityManager, decisionId: string): Promise<DecisionRecord | undefined> {
    const rows: DecisionRow[] = await em.query(`SELECT * FROM routing.decisions WHERE decision_id = $1`, [decisionId]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async forOrder(em: EntityManager, orderId: string): Promise<DecisionRecord[]> {
    const rows: DecisionRow[] = await em.query(`SELECT * FROM routing.decisions WHERE order_id = $1 ORDER BY attempt`, [orderId]);
    return rows.map(toRecord);
  }

  /**
   * The engine's decision over routing's projection of ATP, its network (without the excluded locations, with the
   * shipments it planned on each location's current day) and the active ruleset, at the command's occurredAt.
   */
  private async decide(em: EntityManager, command: RouteOrder, decisionId: string): Promise<Decided> {
    const now = command.metadata.occurredAt;
    const ruleset = await this.rulesets.activeRuleset(em, this.activeRulesetId());
    const network = await this.network.load(em);
    const excluded = new Set(command.excludedLocationIds);
    const eligible = network.locations.filter((location) => !excluded.has(location.id));
    const used = await this.network.shipmentsPlanned(em, eligible.map((location) => ({ locationId: location.id, localDay: localDayAt(location, now) })));
    const locations = eligible.map((location) => ({ ...location, usedToday: used.get(location.id) ?? 0 }));
    const lines = engineLines(command.lines);
    const atp = await this.projection.atpFor(em, lines.map((line) => line.sku), locations.map((location) => location.id));
    const destination = destinationOf(command.destination, network.fallbackCoordinates);
    const inputSummary = {
      decisionTime: new Date(now).toISOString(),
      channel: command.channel,
      market: command.market,
      customerTier: command.customerTier,
      customerPriority: command.customerPriority,
      destination: { countryCode: command.destination.countryCode, point: destination ? { lat: destination.lat, lon: destination.lon } : null, pointFrom: destination?.source ?? null },
      serviceLevel: command.serviceLevel,
      promisedDate: command.promisedDate,
      backOrderPolicy: command.backOrderPolicy,
      lines: command.lines.map(({ lineId, sku, quantity, unitWeightGrams }) => ({ lineId, sku, quantity, unitWeightGrams })),
      excludedLocationIds: command.excludedLocationIds,
      locations: locations.map(({ id, dailyCapacity, usedToday }) => ({ id, dailyCapacity: dailyCapacity ?? null, usedToday })),
      atp: atpSeen(atp),
    };

    if (!destination) {
      const { countryCode } = command.destination;
      const summary =
        `UNSERVICEABLE_DESTINATION: the destination has no coordinates and the network has no fallbackCoordinates for ${countryCode}; ` +
        `geocode the address or add /fallbackCoordinates/${countryCode} to the network file.`;
      const unplaceableLines = command.lines.map(({ lineId, sku, quantity }) => ({ lineId, sku, quantity }));
      return {
        ruleset,
        inputSummary,
        reply: { type: 'OrderUnroutable', payload: { orderId: command.orderId, attempt: command.attempt, reason: 'UNSERVICEABLE_DESTINATION', unplaceableLines, decisionId, summary } },
        explanation: { ruleset: { id: ruleset.id, version: ruleset.version }, summary },
        shipping: [],
      };
    }

    const order: Order = {
      id: command.orderId,
      channel: command.channel,
      destination: { lat: destination.lat, lon: destination.lon, country: destination.country },
      serviceLevel: command.serviceLevel,
      lines,
      ...(command.promisedDate !== null ? { promisedDate: command.promisedDate } : {}),
      customerTier: command.customerTier,
      priority: command.customerPriority > 0 ? 'PRIORITY' : 'STANDARD',
      backOrderPolicy: ENGINE_BACK_ORDER_POLICY[command.backOrderPolicy],
    };
    const decision = routeOrder({ order, network: { locations }, atp, ruleset, now });
    const reply = toReply({ decisionId, orderId: command.orderId, attempt: command.attempt, lines: command.lines, currency: network.currency, decision, atp });
    const byId = new Map(locations.map((location) => [location.id, location]));
    return {
      ruleset,
      inputSummary,
      reply,
      explanation: {
        ...decision.explanation,
        // The engine never saw these locations, so its candidates do not list them.
        excludedByRequest: command.excludedLocationIds,
        engineOutcome: decision.type,
        ...(decision.type === 'OrderRouted'
          ? { unfulfilled: decision.unfulfilled, engineCost: decision.plan.cost }
          : { unfulfilled: decision.lines, disposition: decision.disposition }),
      },
      shipping:
        decision.type === 'OrderRouted'
          ? decision.plan.shipments.map((shipment) => {
              const location = byId.get(shipment.locationId) as Location;
              return { location, localDay: shipment.estimatedDelivery.shipDate ?? localDayAt(location, now) };
            })
          : [],
    };
  }

  private outgoing(reply: ReplyPayload, command: RouteOrder): OutgoingEvent {
    const metadata = { eventId: randomUUID(), occurredAt: Date.now(), correlationId: command.orderId, causationId: command.metadata.eventId };
    const event = { type: reply.type, payload: { metadata, ...reply.payload } } as AnyEvent;
    return { topic: topicOf(event), key: keyOf(event), event };
  }
}
