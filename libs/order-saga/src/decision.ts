import type { EventMetadata } from '@switchyard/contracts';
import type { SagaEvent, SagaEventOf, SagaEventType, TimerPurpose } from './events';
import { evolve } from './evolve';
import { derivedEventId } from './ids';
import { inputId, type SagaInput } from './inputs';
import type { SagaPolicy } from './policy';
import { hasProgress, type ActiveState, type LiveTimer, type SagaState } from './state';

/** An input the saga will not act on, with what was wrong and what to do, for the operations API. */
export interface Rejection {
  readonly rejected: string;
  readonly code: RejectionCode;
}

export type RejectionCode =
  | 'UNKNOWN_ORDER' | 'ORDER_REJECTED' | 'ALREADY_COMPLETED' | 'ALREADY_CANCELLED' | 'ALREADY_ON_HOLD'
  | 'NOTHING_TO_HOLD' | 'NOT_HELD' | 'NOTHING_TO_REROUTE';

export const isRejection = <T extends object>(outcome: T | Rejection): outcome is Rejection => 'rejected' in outcome;

type Emitted = Exclude<SagaEventType, 'TimerElapsed' | 'HoldOrder' | 'RerouteOrder'>;
type PayloadOf<T extends Emitted> = Omit<SagaEventOf<T>['payload'], 'metadata' | 'orderId'>;

/** One decision in the making: events emitted so far, and the state they lead to. */
export class Decision {
  readonly events: SagaEvent[] = [];
  private current: SagaState;

  /** `initial` is the state the input found: where the saga was when it had to decide. */
  constructor(readonly input: SagaInput, readonly initial: SagaState, readonly policy: SagaPolicy) {
    this.current = initial;
  }

  get now(): number {
    return this.input.now;
  }

  get state(): SagaState {
    return this.current;
  }

  /** The order's progress so far; only called once the order is accepted. */
  get progress(): ActiveState {
    if (!hasProgress(this.current)) throw new Error(`The saga has no accepted order (state ${this.current.status}).`);
    return this.current;
  }

  /** Keeps the input itself in the order's stream. */
  record(): void {
    const { type, payload } = this.input;
    this.push({ type, payload } as SagaEvent);
  }

  emit<T extends Emitted>(type: T, payload: PayloadOf<T>): void {
    const orderId = this.progress.orderId;
    const metadata: EventMetadata = {
      eventId: derivedEventId(orderId, inputId(this.input), this.events.length),
      occurredAt: this.now,
      correlationId: orderId,
      causationId: inputId(this.input),
    };
    this.push({ type, payload: { metadata, orderId, ...payload } } as unknown as SagaEvent);
  }

  scheduleTimer(purpose: TimerPurpose, dueAt: number, shipmentId: string | null = null): void {
    const timerId = `${this.progress.orderId}/timer/${this.progress.issued.timers + 1}`;
    this.emit('TimerScheduled', { timerId, purpose, dueAt, shipmentId });
  }

  cancelTimers(which: (timer: LiveTimer) => boolean): void {
    for (const timer of this.progress.timers.filter(which)) this.emit('TimerCancelled', { timerId: timer.timerId });
  }

  private push(event: SagaEvent): void {
    this.events.push(event);
    this.current = evolve(this.current, event);
  }
}
