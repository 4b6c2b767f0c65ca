import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import type { CancellationReason } from '@switchyard/contracts';
import { Outbox } from '@switchyard/messaging';
import { DataSource } from 'typeorm';
import { requestCancellation } from '../intake/cancel-order';
import { OrderIntake } from '../intake/order-intake';
import { OrderProjection, OrderView } from '../projection/order-projection';
import { AuthenticatedChannel, ChannelAuthGuard } from './auth';
import { bodyFields, problem, problems } from './problems';

interface HttpResponse {
  status(code: number): unknown;
  setHeader(name: string, value: string): void;
}

export const CANCELLATION_REASONS: readonly CancellationReason[] = ['CUSTOMER_REQUEST', 'FRAUD', 'PAYMENT_FAILED', 'OUT_OF_STOCK', 'OPERATOR', 'OTHER'];

/** The channel API: submit an order, see its status and timeline, ask to cancel it. A channel sees only its own orders. */
@Controller('v1/orders')
@UseGuards(ChannelAuthGuard)
export class OrdersController {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(Outbox) private readonly outbox: Outbox,
    @Inject(OrderIntake) private readonly intake: OrderIntake,
    @Inject(OrderProjection) private readonly projection: OrderProjection,
  ) {}

  /** 202 accepted; 200 the same order again; 422 rejected (recorded, with an order id); 409 the channel order id is taken; 400/413 not an order. */
  @Post()
  async submit(@AuthenticatedChannel() channel: string, @Body() body: unknown, @Res({ passthrough: true }) response: HttpResponse) {
    const outcome = await this.dataSource.transaction((em) =>
      this.intake.submit(em, (events) => this.outbox.add(em, events), { channel, input: body, via: 'http', causationId: null }),
    );
    if (outcome.kind === 'invalid') throw problems(outcome.tooManyLines ? 413 : 400, outcome.problems);
    response.setHeader('Location', `/v1/orders/${encodeURIComponent(outcome.orderId)}`);
    const { orderId, status, rejection, created } = outcome;
    if (rejection) {
      response.status(rejection.reason === 'DUPLICATE_ORDER' ? 409 : 422);
      return { orderId, status, duplicate: !created, reason: rejection.reason, errors: rejection.problems, conflictsWithOrderId: outcome.conflictsWithOrderId ?? undefined };
    }
    response.status(created ? 202 : 200);
    return { orderId, status, duplicate: !created };
  }

  /** The current order under the channel's own order id. */
  @Get()
  async findByChannelOrderId(@AuthenticatedChannel() channel: string, @Query('channelOrderId') channelOrderId: unknown): Promise<OrderView> {
    if (typeof channelOrderId !== 'string' || channelOrderId.length === 0 || channelOrderId.length > 200) {
      throw problem(400, 'channelOrderId', 'give your order id as ?channelOrderId=... (1 to 200 characters)');
    }
    const order = await this.projection.findByChannelOrderId(this.dataSource.manager, channel, channelOrderId);
    if (!order) throw problem(404, 'channelOrderId', `this channel has no order ${JSON.stringify(channelOrderId)}`);
    return order;
  }

  @Get(':orderId')
  async find(@AuthenticatedChannel() channel: string, @Param('orderId') orderId: string): Promise<OrderView> {
    const order = await this.projection.find(this.dataSource.manager, channel, orderId);
    if (!order) throw notFound(orderId);
    return order;
  }

  /** 202: CancelOrder is on its way to the orchestrator, which decides; the outcome appears in the order's timeline. */
  @Post(':orderId/cancel')
  @HttpCode(202)
  async cancel(@AuthenticatedChannel() channel: string, @Param('orderId') orderId: string, @Body() body: unknown) {
    const { reason, note } = readCancelBody(body);
    const outcome = await this.dataSource.transaction((em) =>
      requestCancellation(em, (events) => this.outbox.add(em, events), this.projection, { channel, orderId, reason, note }),
    );
    if (outcome.kind === 'not-found') throw notFound(orderId);
    if (outcome.kind === 'final') throw problem(409, 'orderId', `order ${orderId} is ${outcome.status} already: there is nothing left to cancel`);
    return { orderId, status: outcome.status, cancellation: 'REQUESTED', alreadyRequested: outcome.alreadyRequested };
  }
}

function notFound(orderId: string) {
  return problem(404, 'orderId', `this channel has no order ${JSON.stringify(orderId.slice(0, 200))}: use the orderId returned when the order was submitted`);
}

function readCancelBody(body: unknown): { reason: CancellationReason; note: string | null } {
  const record = bodyFields(body);
  const errors = Object.keys(record)
    .filter((key) => key !== 'reason' && key !== 'note')
    .map((key) => ({ path: key, problem: 'is not a field of a cancellation; remove it (the fields are reason, note)' }));
  const reason = record['reason'] ?? 'CUSTOMER_REQUEST';
  if (!CANCELLATION_REASONS.includes(reason as CancellationReason)) {
    errors.push({ path: 'reason', problem: `must be one of ${CANCELLATION_REASONS.join(', ')}, got ${JSON.stringify(reason)}` });
  }
  const note = record['note'] ?? null;
  if (note !== null && (typeof note !== 'string' || note.length > 500)) errors.push({ path: 'note', problem: 'must be text of at most 500 characters' });
  if (errors.length > 0) throw problems(400, errors);
  return { reason: reason as CancellationReason, note: note as string | null };
}
