import { BadRequestException, Body, Controller, Delete, Get, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import { Outbox } from '@switchyard/messaging';
import { operatorKeyGuard } from '@switchyard/service-kit';
import { DataSource } from 'typeorm';
import { outgoing, Warehouse } from './warehouse';

/** `Authorization: Bearer <OPERATOR_KEY>`, compared in constant time; without OPERATOR_KEY the endpoints are off. */
const OperatorKeyGuard = operatorKeyGuard('OPERATOR_KEY', 'control endpoints are off: start the simulator with OPERATOR_KEY set');

type Body_ = Record<string, unknown>;

/** Reads the request body field by field; every problem is named by its field and reported at once. */
class BodyReader {
  readonly problems: string[] = [];

  constructor(private readonly body: Body_) {}

  text(field: string, required: boolean): string | undefined {
    const value = this.body[field];
    if (value === undefined && !required) return undefined;
    if (typeof value === 'string' && value.trim() !== '' && value.length <= 200) return value;
    this.problems.push(`${field} must be a non-empty string of up to 200 characters`);
    return undefined;
  }

  count(field: string, min: number): number | undefined {
    const value = this.body[field];
    if (value === undefined) return undefined;
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= 1_000_000_000) return value;
    this.problems.push(`${field} must be a whole number of at least ${min}`);
    return undefined;
  }

  choice<T extends string>(field: string, choices: readonly T[], fallback: T): T {
    const value = this.body[field] ?? fallback;
    if (choices.includes(value as T)) return value as T;
    this.problems.push(`${field} must be one of ${choices.join(', ')}`);
    return fallback;
  }

  done(): void {
    if (this.problems.length > 0) throw new BadRequestException(this.problems);
  }
}

const reader = (body: unknown): BodyReader => {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequestException(['the body must be a JSON object']);
  return new BodyReader(body as Body_);
};

/** Control endpoints for tests and demos: put stock in, make instructions fail. */
@Controller('v1')
@UseGuards(OperatorKeyGuard)
export class ControlController {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(Outbox) private readonly outbox: Outbox,
    @Inject(Warehouse) private readonly warehouse: Warehouse,
  ) {}

  /** `{ locationId, sku, received }` adds units (StockAdjusted RECEIVED); `{ locationId, sku, onHand }` sets the count (CYCLE_COUNT). */
  @Post('stock')
  @HttpCode(200)
  async stock(@Body() body: unknown): Promise<{ locationId: string; sku: string; onHand: number }> {
    const read = reader(body);
    const locationId = read.text('locationId', true);
    const sku = read.text('sku', true);
    const received = read.count('received', 1);
    const onHand = read.count('onHand', 0);
    const reference = read.text('reference', false) ?? null;
    if ((received === undefined) === (onHand === undefined)) read.problems.push('send exactly one of received (units in) or onHand (a count)');
    if (locationId !== undefined && !this.warehouse.isSimulated(locationId)) read.problems.push(`locationId ${locationId} is not simulated here (WAREHOUSE_LOCATIONS)`);
    read.done();
    const after = await this.dataSource.transaction((em) =>
      this.warehouse.adjustStock(em, { locationId: locationId as string, sku: sku as string, received, onHand, reference }, (events) => this.outbox.add(em, outgoing(events))),
    );
    return { locationId: locationId as string, sku: sku as string, onHand: after };
  }

  /**
   * `{ mode: "reject" | "short-pick", scope?: "next" | "all", reason?: "OUT_OF_STOCK" | "CAPACITY", locationId?, sku?, shortBy? }`:
   * the next (or every) matching instruction is rejected, or short-picked by `shortBy` units per matching line.
   */
  @Post('faults')
  @HttpCode(201)
  async addFault(@Body() body: unknown): Promise<{ faultId: number }> {
    const read = reader(body);
    const mode = read.choice('mode', ['reject', 'short-pick'] as const, 'reject');
    const scope = read.choice('scope', ['next', 'all'] as const, 'next');
    const reason = mode === 'reject' ? read.choice('reason', ['OUT_OF_STOCK', 'CAPACITY'] as const, 'OUT_OF_STOCK') : null;
    const locationId = read.text('locationId', false) ?? null;
    const sku = read.text('sku', false) ?? null;
    const shortBy = mode === 'short-pick' ? (read.count('shortBy', 1) ?? 1) : null;
    if (body !== null && (body as Body_)['mode'] === undefined) read.problems.push('mode is required: reject or short-pick');
    if (locationId !== null && !this.warehouse.isSimulated(locationId)) read.problems.push(`locationId ${locationId} is not simulated here (WAREHOUSE_LOCATIONS)`);
    read.done();
    const [{ fault_id }]: { fault_id: number }[] = await this.dataSource.query(
      `INSERT INTO warehouse_simulator.faults (mode, reason, scope, location_id, sku, short_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING fault_id`,
      [mode === 'reject' ? 'REJECT' : 'SHORT_PICK', reason, scope.toUpperCase(), locationId, sku, shortBy],
    );
    return { faultId: fault_id };
  }

  @Get('faults')
  async faults(): Promise<unknown[]> {
    return this.dataSource.query(
      `SELECT fault_id AS "faultId", mode, reason, scope, location_id AS "locationId", sku, short_by AS "shortBy" FROM warehouse_simulator.faults ORDER BY fault_id`,
    );
  }

  /** Clears every fault: instructions are handled normally again. */
  @Delete('faults')
  async clearFaults(): Promise<{ cleared: number }> {
    const [, cleared]: [unknown, number] = await this.dataSource.query(`DELETE FROM warehouse_simulator.faults`);
    return { cleared };
  }
}
