import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, UseGuards } from '@nestjs/common';
import type { EventMetadata } from '@switchyard/contracts';
import { Outbox, RetriableError } from '@switchyard/messaging';
import { statusLabel, type OperatorCommand, type Received } from '@switchyard/order-saga';
import { ServiceLogger } from '@switchyard/service-kit';
import { DataSource } from 'typeorm';
import { OrderSagas } from '../order-sagas';
import { OrderStore } from '../order-store';
import { CurrentOperator, OperatorGuard, opsError, RequiresRole } from './operator-auth';
import type { Operator } from './operator-keys';
import { orderView } from './order-view';

const ORDER_ID = /^[A-Za-z0-9._:@/-]{1,200}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
type Action = 'hold' | 'release' | 'reroute' | 'cancel';
interface Envelope {
  readonly metadata: EventMetadata;
  readonly orderId: string;
}

function orderIdOf(raw: string): string {
  if (!ORDER_ID.test(raw)) throw opsError(400, 'INVALID_ORDER_ID', 'the order id must be 1 to 200 letters, digits or . _ : @ / -');
  return raw;
}

function text(body: Record<string, unknown>, field: string, required: boolean): string | null {
  const value = body?.[field];
  if (value === undefined || value === null || value === '') {
    if (required) throw opsError(400, 'INVALID_REQUEST', `"${field}" is required: say why, for the order's timeline (at most 500 characters)`);
    return null;
  }
  if (typeof value !== 'string' || value.length > 500) throw opsError(400, 'INVALID_REQUEST', `"${field}" must be text of at most 500 characters`);
  return value;
}

function locations(body: Record<string, unknown>): string[] {
  const value = body?.['excludeLocationIds'] ?? [];
  if (!Array.isArray(value) || value.length > 100 || !value.every((v) => typeof v === 'string' && /^[A-Za-z0-9._-]{1,100}$/.test(v))) {
    throw opsError(400, 'INVALID_REQUEST', '"excludeLocationIds" must be a list of location ids (letters, digits, . _ -), at most 100');
  }
  return value as string[];
}

/**
 * The operations API: read an order's saga (viewer), and hold, release, re-route or cancel it (operator). Each action
 * is decided and appended like any other input, in one transaction with its outbox messages; a refusal is 409 with
 * the saga's own explanation, naming the order and its state.
 */
@UseGuards(OperatorGuard)
@Controller('v1/ops/orders')
export class OpsController {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(Outbox) private readonly outbox: Outbox,
    @Inject(OrderSagas) private readonly sagas: OrderSagas,
    @Inject(OrderStore) private readonly store: OrderStore,
    @Inject(ServiceLogger) private readonly logger: ServiceLogger,
  ) {}

  @Get(':orderId')
  @RequiresRole('viewer')
  async get(@Param('orderId') raw: string) {
    const orderId = orderIdOf(raw);
    const { state, timeline } = await this.dataSource.transaction('REPEATABLE READ', async (em) => ({
      ...(await this.sagas.current(em, orderId)),
      timeline: await this.store.timeline(em, orderId),
    }));
    if (timeline.length === 0) throw opsError(404, 'UNKNOWN_ORDER', `Order ${orderId} is not known to the orchestrator (no OrderAccepted yet).`);
    return orderView(orderId, state, timeline);
  }

  @Post(':orderId/hold')
  @HttpCode(202)
  @RequiresRole('operator')
  hold(@Param('orderId') raw: string, @Body() body: Record<string, unknown>, @CurrentOperator() operator: Operator, @Headers('idempotency-key') key?: string) {
    const orderId = orderIdOf(raw);
    const reason = text(body, 'reason', true) as string;
    return this.act('hold', orderId, operator, key, (payload, now) => ({ type: 'HoldOrder', payload: { ...payload, operatorId: operator.operatorId, reason }, now }));
  }

  @Post(':orderId/release')
  @HttpCode(202)
  @RequiresRole('operator')
  release(@Param('orderId') raw: string, @Body() body: Record<string, unknown>, @CurrentOperator() operator: Operator, @Headers('idempotency-key') key?: string) {
    const orderId = orderIdOf(raw);
    const note = text(body, 'reason', false) ?? text(body, 'note', false);
    return this.act('release', orderId, operator, key, (payload, now) => ({ type: 'ReleaseOrder', payload: { ...payload, operatorId: operator.operatorId, note }, now }));
  }

  @Post(':orderId/reroute')
  @HttpCode(202)
  @RequiresRole('operator')
  reroute(@Param('orderId') raw: string, @Body() body: Record<string, unknown>, @CurrentOperator() operator: Operator, @Headers('idempotency-key') key?: string) {
    const orderId = orderIdOf(raw);
    const reason = text(body, 'reason', true) as string;
    const excludeLocationIds = locations(body);
    return this.act('reroute', orderId, operator, key, (payload, now) => ({
      type: 'RerouteOrder', payload: { ...payload, operatorId: operator.operatorId, reason, excludeLocationIds }, now,
    }));
  }

  @Post(':orderId/cancel')
  @HttpCode(202)
  @RequiresRole('operator')
  cancel(@Param('orderId') raw: string, @Body() body: Record<string, unknown>, @CurrentOperator() operator: Operator, @Headers('idempotency-key') key?: string) {
    const orderId = orderIdOf(raw);
    const reason = text(body, 'reason', true) as string;
    return this.act('cancel', orderId, operator, key, (payload, now) => ({
      type: 'CancelOrder', payload: { ...payload, requestedBy: operator.operatorId, reason: 'OPERATOR', note: reason }, now,
    }));
  }

  private async act(
    action: Action,
    orderId: string,
    operator: Operator,
    idempotencyKey: string | undefined,
    input: (envelope: Envelope, now: number) => OperatorCommand | Received<'CancelOrder'>,
  ) {
    if (idempotencyKey !== undefined && !UUID.test(idempotencyKey)) throw opsError(400, 'INVALID_REQUEST', 'Idempotency-Key must be a UUID');
    const now = Date.now();
    // A retried request with the same Idempotency-Key is the same input: the saga has handled it and does nothing.
    const eventId = idempotencyKey?.toLowerCase() ?? randomUUID();
    const command = input({ metadata: { eventId, occurredAt: now, correlationId: orderId, causationId: null }, orderId }, now);
    const applied = await this.dataSource
      .transaction((em) => this.sagas.apply(em, orderId, command, (messages) => this.outbox.add(em, messages)))
      .catch((error: unknown) => {
        if (error instanceof RetriableError) throw opsError(503, 'BUSY', error.message, { orderId });
        throw error;
      });
    if (applied.outcome === 'unknown-order') throw opsError(404, 'UNKNOWN_ORDER', `Order ${orderId} is not known to the orchestrator.`);
    if (applied.outcome === 'rejected') {
      const { code, rejected } = applied.rejection;
      const status = code === 'UNKNOWN_ORDER' ? 404 : 409;
      throw opsError(status, code, rejected, { orderId, state: statusLabel(applied.state.status) });
    }
    this.logger.info(`operator ${action}`, { orderId, operatorId: operator.operatorId, events: applied.outcome === 'appended' ? applied.events.length : 0 });
    return {
      orderId,
      action,
      state: statusLabel(applied.state.status),
      version: applied.version,
      events: applied.outcome === 'appended' ? applied.events.map((e) => e.type) : [],
    };
  }
}
