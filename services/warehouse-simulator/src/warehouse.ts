import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AnyEvent, EventOf, keyOf, LineQuantity, topicOf } from '@switchyard/contracts';
import { FatalError, type OutgoingEvent } from '@switchyard/messaging';
import { SERVICE_SETTINGS, ServiceLogger } from '@switchyard/service-kit';
import { EntityManager } from 'typeorm';
import type { SimulatorSettings } from './warehouse-simulator.settings';

/** Publishes through the outbox of the caller's transaction. */
export type Publish = (events: readonly AnyEvent[]) => Promise<unknown>;

type Instruction = EventOf<'FulfilmentInstructed'>['payload'];
type StockReason = EventOf<'StockAdjusted'>['payload']['reason'];

/** An operator's instruction to misbehave (see the control endpoints). */
export interface Fault {
  readonly faultId: number;
  readonly mode: 'REJECT' | 'SHORT_PICK';
  readonly reason: 'OUT_OF_STOCK' | 'CAPACITY' | null;
  readonly scope: 'NEXT' | 'ALL';
  readonly locationId: string | null;
  readonly sku: string | null;
  readonly shortBy: number | null;
}

export const outgoing = (events: readonly AnyEvent[]): OutgoingEvent[] => events.map((event) => ({ topic: topicOf(event), key: keyOf(event), event }));

const metadata = (correlationId: string, causationId: string | null) => ({ eventId: randomUUID(), occurredAt: Date.now(), correlationId, causationId });

/** Adds `quantity` of a line to a list of lines, merging with the same line id. */
const addLine = (lines: LineQuantity[], line: LineQuantity, quantity: number): void => {
  const existing = lines.find((l) => l.lineId === line.lineId);
  if (existing) existing.quantity += quantity;
  else lines.push({ lineId: line.lineId, sku: line.sku, quantity });
};

/** `SIM` + the location id in capitals without punctuation + an 8-digit sequence per location, e.g. SIMDCBERLIN00000001. */
export const trackingNumber = (locationId: string, seq: number): string => `SIM${locationId.toUpperCase().replace(/[^A-Z0-9]/g, '')}${String(seq).padStart(8, '0')}`;

/**
 * The simulated warehouse. Every method runs in the caller's transaction and publishes through its outbox,
 * so an instruction's effect, its stock and its events commit together.
 */
@Injectable()
export class Warehouse {
  constructor(
    @Inject(SERVICE_SETTINGS) private readonly settings: SimulatorSettings,
    @Inject(ServiceLogger) private readonly logger: ServiceLogger,
  ) {}

  isSimulated(locationId: string): boolean {
    return this.settings.WAREHOUSE_LOCATIONS.includes(locationId);
  }

  /** Accepts (picking what stock and faults allow, reporting the rest short) or rejects one instruction. */
  async instruct(em: EntityManager, instruction: Instruction, causationId: string, publish: Publish): Promise<void> {
    const { orderId, fulfilmentId, locationId } = instruction;
    if (!this.isSimulated(locationId)) throw new FatalError(`fulfilment ${fulfilmentId} of order ${orderId} is for ${locationId}, which this simulator does not run (WAREHOUSE_LOCATIONS)`);
    const [seen]: { status: string }[] = await em.query(`SELECT status FROM warehouse_simulator.instructions WHERE location_id = $1 AND fulfilment_id = $2`, [locationId, fulfilmentId]);
    if (seen) {
      this.logger.info('instruction already handled; nothing to do', { orderId, fulfilmentId, locationId, status: seen.status });
      return;
    }
    const fault = await this.takeFault(em, locationId, instruction.lines.map((l) => l.sku));
    const reject = async (reason: EventOf<'FulfilmentRejected'>['payload']['reason'], detail: string) => {
      await this.insert(em, instruction, 'REJECTED', [], null, causationId);
      await publish([{ type: 'FulfilmentRejected', payload: { metadata: metadata(orderId, causationId), orderId, fulfilmentId, locationId, reason, rejectedLines: instruction.lines, detail } }]);
    };
    if (fault?.mode === 'REJECT') return reject(fault.reason ?? 'OUT_OF_STOCK', `simulated rejection (operator fault ${fault.faultId})`);

    const short: LineQuantity[] = [];
    const wanted = instruction.lines.map((line) => {
      const hit = fault?.mode === 'SHORT_PICK' && (fault.sku === null || fault.sku === line.sku);
      const missing = hit ? Math.min(fault.shortBy ?? 1, line.quantity) : 0;
      if (missing > 0) addLine(short, line, missing);
      return { ...line, quantity: line.quantity - missing };
    });
    const { picks, stockShort } = await this.allocate(em, locationId, wanted, short);
    if (picks.length === 0) {
      if (stockShort) return reject('OUT_OF_STOCK', `no stock to pick at ${locationId} for ${instruction.lines.map((l) => l.sku).join(', ')}`);
      return reject('SHORT_PICK', `nothing left to pick (operator fault ${fault?.faultId})`);
    }
    const due = Date.now() + this.settings.DISPATCH_DELAY_MS;
    await this.insert(em, instruction, 'ACCEPTED', picks, new Date(due), causationId);
    const events: AnyEvent[] = [{ type: 'FulfilmentAccepted', payload: { metadata: metadata(orderId, causationId), orderId, fulfilmentId, locationId, expectedDispatchAt: due } }];
    if (short.length > 0) {
      const detail = `short pick: ${short.map((l) => `${l.quantity} × ${l.sku} (line ${l.lineId})`).join(', ')}${fault ? ` (operator fault ${fault.faultId})` : ''}`;
      events.push({ type: 'FulfilmentRejected', payload: { metadata: metadata(orderId, causationId), orderId, fulfilmentId, locationId, reason: 'SHORT_PICK', rejectedLines: short, detail } });
    }
    await publish(events);
  }

  /** Withdraws an instruction that has not left: FulfilmentCancelled, stock set free. Once dispatched, too late. */
  async cancel(em: EntityManager, request: EventOf<'FulfilmentCancellationRequested'>['payload'], causationId: string, publish: Publish): Promise<void> {
    const { orderId, fulfilmentId, locationId } = request;
    const [row]: { status: string; pick_lines: LineQuantity[] }[] = await em.query(
      `SELECT status, pick_lines FROM warehouse_simulator.instructions WHERE location_id = $1 AND fulfilment_id = $2 FOR UPDATE`,
      [locationId, fulfilmentId],
    );
    if (row?.status === 'DISPATCHED' || row?.status === 'CANCELLED') {
      this.logger.info('cancellation not applied', { orderId, fulfilmentId, locationId, status: row.status });
      return;
    }
    if (!row) {
      // Cancelled before it arrived: the row keeps a late instruction from shipping.
      await em.query(`INSERT INTO warehouse_simulator.instructions (location_id, fulfilment_id, order_id, status, caused_by) VALUES ($1, $2, $3, 'CANCELLED', $4)`, [
        locationId,
        fulfilmentId,
        orderId,
        causationId,
      ]);
    } else {
      for (const line of row.status === 'ACCEPTED' ? row.pick_lines : []) {
        await em.query(`UPDATE warehouse_simulator.stock SET allocated = GREATEST(allocated - $3, 0) WHERE location_id = $1 AND sku = $2`, [locationId, line.sku, line.quantity]);
      }
      await em.query(`UPDATE warehouse_simulator.instructions SET status = 'CANCELLED', dispatch_due_at = NULL WHERE location_id = $1 AND fulfilment_id = $2`, [locationId, fulfilmentId]);
    }
    await publish([{ type: 'FulfilmentCancelled', payload: { metadata: metadata(orderId, causationId), orderId, fulfilmentId, locationId } }]);
  }

  /** Ships every accepted instruction whose dispatch time has come: tracking number, ShipmentDispatched, stock down. */
  async dispatchDue(em: EntityManager, now: Date, publish: Publish): Promise<number> {
    const due: { location_id: string; fulfilment_id: string; instruction: Instruction; pick_lines: LineQuantity[]; caused_by: string }[] = await em.query(
      `SELECT location_id, fulfilment_id, instruction, pick_lines, caused_by FROM warehouse_simulator.instructions
       WHERE status = 'ACCEPTED' AND dispatch_due_at <= $1 ORDER BY dispatch_due_at LIMIT 50 FOR UPDATE SKIP LOCKED`,
      [now],
    );
    for (const row of due) {
      const { orderId, fulfilmentId, locationId, carrier } = row.instruction;
      const [{ last_seq }]: { last_seq: string }[] = await em.query(
        `INSERT INTO warehouse_simulator.tracking_counters (location_id, last_seq) VALUES ($1, 1)
         ON CONFLICT (location_id) DO UPDATE SET last_seq = tracking_counters.last_seq + 1 RETURNING last_seq`,
        [locationId],
      );
      const tracking = trackingNumber(locationId, Number(last_seq));
      await em.query(`UPDATE warehouse_simulator.instructions SET status = 'DISPATCHED', tracking_number = $3 WHERE location_id = $1 AND fulfilment_id = $2`, [
        locationId,
        fulfilmentId,
        tracking,
      ]);
      const events: AnyEvent[] = [
        {
          type: 'ShipmentDispatched',
          payload: { metadata: metadata(orderId, row.caused_by), orderId, fulfilmentId, locationId, carrier, trackingNumber: tracking, trackingUrl: null, lines: row.pick_lines },
        },
      ];
      for (const line of row.pick_lines) {
        await em.query(
          `UPDATE warehouse_simulator.stock SET on_hand = GREATEST(on_hand - $3, 0), allocated = GREATEST(allocated - $3, 0)
           WHERE location_id = $1 AND sku = $2`,
          [locationId, line.sku, line.quantity],
        );
      }
      // No StockAdjusted for a pick: inventory consumes shipped stock from ShipmentDispatched, and a second report
      // of the same units would lower its on hand twice (receipts and counts are what StockAdjusted reports).
      await publish(events);
    }
    return due.length;
  }

  /** Puts stock in: `received` units more (RECEIVED), or a count that sets on hand (CYCLE_COUNT). Returns on hand after. */
  async adjustStock(
    em: EntityManager,
    change: { locationId: string; sku: string; received?: number; onHand?: number; reference: string | null },
    publish: Publish,
  ): Promise<number> {
    const { locationId, sku } = change;
    const [before]: { on_hand: number }[] = await em.query(`SELECT on_hand FROM warehouse_simulator.stock WHERE location_id = $1 AND sku = $2 FOR UPDATE`, [locationId, sku]);
    const previous = before?.on_hand ?? 0;
    const after = change.onHand ?? previous + (change.received ?? 0);
    await em.query(
      `INSERT INTO warehouse_simulator.stock (location_id, sku, on_hand) VALUES ($1, $2, $3) ON CONFLICT (location_id, sku) DO UPDATE SET on_hand = EXCLUDED.on_hand`,
      [locationId, sku, after],
    );
    const reason: StockReason = change.onHand === undefined ? 'RECEIVED' : 'CYCLE_COUNT';
    await publish([this.stockAdjusted(locationId, sku, after - previous, after, reason, change.reference, `${sku}@${locationId}`, null)]);
    return after;
  }

  /** Stock from STOCK_FILE, for SKUs with no stock row yet (a restart adds nothing twice). */
  async seedStock(em: EntityManager, stock: Readonly<Record<string, Readonly<Record<string, number>>>>, publish: Publish): Promise<number> {
    let seeded = 0;
    for (const [locationId, skus] of Object.entries(stock)) {
      for (const [sku, units] of Object.entries(skus)) {
        const inserted: unknown[] = await em.query(
          `INSERT INTO warehouse_simulator.stock (location_id, sku, on_hand) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING sku`,
          [locationId, sku, units],
        );
        if (inserted.length === 0) continue;
        seeded += 1;
        await publish([this.stockAdjusted(locationId, sku, units, units, 'RECEIVED', 'STOCK_FILE', `${sku}@${locationId}`, null)]);
      }
    }
    return seeded;
  }

  private stockAdjusted(
    locationId: string,
    sku: string,
    quantityDelta: number,
    onHandAfter: number,
    reason: StockReason,
    reference: string | null,
    correlationId: string,
    causationId: string | null,
  ): EventOf<'StockAdjusted'> {
    return { type: 'StockAdjusted', payload: { metadata: metadata(correlationId, causationId), locationId, sku, quantityDelta, onHandAfter, reason, reference } };
  }

  /** The oldest fault for this location and these SKUs; a NEXT fault is used up by taking it. */
  private async takeFault(em: EntityManager, locationId: string, skus: readonly string[]): Promise<Fault | undefined> {
    const [row]: { fault_id: number; mode: Fault['mode']; reason: Fault['reason']; scope: Fault['scope']; location_id: string | null; sku: string | null; short_by: number | null }[] =
      await em.query(
        `SELECT fault_id, mode, reason, scope, location_id, sku, short_by FROM warehouse_simulator.faults
         WHERE (location_id IS NULL OR location_id = $1) AND (sku IS NULL OR sku = ANY($2)) ORDER BY fault_id LIMIT 1 FOR UPDATE`,
        [locationId, skus],
      );
    if (!row) return undefined;
    if (row.scope === 'NEXT') await em.query(`DELETE FROM warehouse_simulator.faults WHERE fault_id = $1`, [row.fault_id]);
    return { faultId: row.fault_id, mode: row.mode, reason: row.reason, scope: row.scope, locationId: row.location_id, sku: row.sku, shortBy: row.short_by };
  }

  /** Takes what is available (on hand − allocated) line by line; what is not there is added to `short`. */
  private async allocate(em: EntityManager, locationId: string, wanted: readonly LineQuantity[], short: LineQuantity[]): Promise<{ picks: LineQuantity[]; stockShort: boolean }> {
    const rows: { sku: string; available: number }[] = await em.query(
      `SELECT sku, GREATEST(on_hand - allocated, 0) AS available FROM warehouse_simulator.stock WHERE location_id = $1 AND sku = ANY($2) ORDER BY sku FOR UPDATE`,
      [locationId, wanted.map((l) => l.sku)],
    );
    const available = new Map(rows.map((r) => [r.sku, r.available]));
    const picks: LineQuantity[] = [];
    let stockShort = false;
    for (const line of wanted) {
      const take = Math.min(line.quantity, available.get(line.sku) ?? 0);
      available.set(line.sku, (available.get(line.sku) ?? 0) - take);
      if (take < line.quantity) {
        stockShort = true;
        addLine(short, line, line.quantity - take);
      }
      if (take > 0) {
        picks.push({ ...line, quantity: take });
        await em.query(`UPDATE warehouse_simulator.stock SET allocated = allocated + $3 WHERE location_id = $1 AND sku = $2`, [locationId, line.sku, take]);
      }
    }
    return { picks, stockShort };
  }

  private async insert(em: EntityManager, instruction: Instruction, status: string, picks: readonly LineQuantity[], due: Date | null, causationId: string): Promise<void> {
    await em.query(
      `INSERT INTO warehouse_simulator.instructions (location_id, fulfilment_id, order_id, status, instruction, pick_lines, dispatch_due_at, caused_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [instruction.locationId, instruction.fulfilmentId, instruction.orderId, status, JSON.stringify(instruction), JSON.stringify(picks), due, causationId],
    );
  }
}
