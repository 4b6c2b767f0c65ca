import { keyOf, topicOf, type AnyEvent } from '@switchyard/contracts';
import { eventRoles, type CommandEventType, type SagaEvent, type StatusEventType } from './events';

/** One message for the orchestrator's outbox, written in the same transaction as the events. */
export interface OutgoingMessage {
  /** From the event's schema, e.g. `inventory.commands` or `fulfilment.instructions.dc-berlin`. */
  readonly topic: string;
  /** The order id: one order's messages stay in order on one partition. */
  readonly key: string;
  readonly event: AnyEvent;
}

type MessageEvent = Extract<SagaEvent, { type: CommandEventType | StatusEventType }>;

/** Commands to other services and the order's public status events; replies and bookkeeping stay in the stream. */
export const isOutgoing = (event: SagaEvent): event is MessageEvent =>
  eventRoles[event.type] === 'command' || eventRoles[event.type] === 'status';

/** What the service writes to its outbox for these events, in order. */
export function outgoingMessages(events: readonly SagaEvent[]): OutgoingMessage[] {
  return events.filter(isOutgoing).map((event) => ({ topic: topicOf(event), key: keyOf(event), event }));
}
