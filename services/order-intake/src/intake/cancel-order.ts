import { randomUUID } from 'node:crypto';
import { AnyEvent, CancellationReason, EventOf, keyOf, topicOf } from '@switchyard/contracts';
import type { OutgoingEvent } from '@switchyard/messaging';
import { EntityManager } from 'typeorm';
import { OrderProjection } from '../projection/order-projection';
import type { OrderStatus } from '../projection/order-status';
import { SCHEMA } from '../schema';

export interface CancelRequest {
  readonly channel: string;
  readonly orderId: string;
  readonly reason: CancellationReason;
  readonly note: string | null;
}

export type CancelOutcome =
  | { readonly kind: 'not-found' }
  | { readonly kind: 'final'; readonly status: OrderStatus }
  | { readonly kind: 'requested'; readonly status: OrderStatus; readonly alreadyRequested: boolean };

const FINAL: readonly OrderStatus[] = ['REJECTED', 'CANCELLED', 'COMPLETED'];

/**
 * A channel asks to cancel its order: CancelOrder goes to the orchestrator, which decides (a cancel after
 * dispatch is refused there). Asked once per order; asking again answers the same without a second command.
 */
export async function requestCancellation(
  em: EntityManager,
  publish: (events: readonly OutgoingEvent[]) => Promise<unknown>,
  projection: OrderProjection,
  request: CancelRequest,
): Promise<CancelOutcome> {
  const rows: { status: OrderStatus; cancel_requested_at: Date | null }[] = await em.query(
    `SELECT status, cancel_requested_at FROM ${SCHEMA}.orders WHERE order_id = $1 AND channel = $2 FOR UPDATE`,
    [request.orderId, request.channel],
  );
  const order = rows[0];
  if (!order) return { kind: 'not-found' };
  if (FINAL.includes(order.status)) return { kind: 'final', status: order.status };
  if (order.cancel_requested_at) return { kind: 'requested', status: order.status, alreadyRequested: true };
  const command: EventOf<'CancelOrder'> = {
    type: 'CancelOrder',
    payload: {
      metadata: { eventId: randomUUID(), occurredAt: Date.now(), correlationId: request.orderId, causationId: null },
      orderId: request.orderId,
      requestedBy: request.channel,
      reason: request.reason,
      note: request.note,
    },
  };
  const event: AnyEvent = command;
  await publish([{ topic: topicOf(event), key: keyOf(event), event }]);
  await projection.apply(em, command);
  return { kind: 'requested', status: order.status, alreadyRequested: false };
}
