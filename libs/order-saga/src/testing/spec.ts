import { decide } from '../decide';
import { isRejection, type RejectionCode } from '../decision';
import { eventRoles, type SagaEvent, type SagaEventOf, type SagaEventType, type TimerPurpose } from '../events';
import { evolve, replay } from '../evolve';
import { inputId, type SagaInput } from '../inputs';
import { defaultSagaPolicy, type SagaPolicy } from '../policy';
import { hasProgress, initialState, type SagaState } from '../state';
import { ORDER_ID } from './fixtures';

// Given/when/then for the saga: given these inputs were handled, when this one arrives, then exactly these events.

type Payload<T extends SagaEventType> = Omit<SagaEventOf<T>['payload'], 'metadata' | 'orderId'>;
/** An expected event: its type and its payload without metadata and order id (any payload when left out). */
export interface Expected { readonly type: SagaEventType; readonly payload: unknown }
export const ev = <T extends SagaEventType>(type: T, payload?: Payload<T>): Expected => ({ type, payload: payload ?? expect.anything() });

const shape = (event: SagaEvent): Expected => {
  const { metadata: _metadata, orderId: _orderId, ...payload } = event.payload as unknown as Record<string, unknown>;
  return { type: event.type, payload };
};

type Input = SagaInput | ((history: History) => SagaInput);

/** The order's stream so far, built by handling inputs one by one. */
export class History {
  events: SagaEvent[] = [];
  state: SagaState = initialState();

  constructor(readonly policy: SagaPolicy) {}

  handle(input: Input): SagaEvent[] {
    const resolved = typeof input === 'function' ? input(this) : input;
    const outcome = decide(resolved, this.state, this.policy);
    if (isRejection(outcome)) throw new Error(`given-input ${resolved.type} was rejected: ${outcome.rejected}`);
    this.events.push(...outcome);
    this.state = outcome.reduce(evolve, this.state);
    return outcome;
  }

  /** The live timer for a purpose (and shipment), as the service would hold it. */
  timer(purpose: TimerPurpose, shipmentId: string | null = null): string {
    if (!hasProgress(this.state)) throw new Error('no order yet');
    const timer = this.state.timers.find((t) => t.purpose === purpose && (shipmentId === null || t.shipmentId === shipmentId));
    if (!timer) throw new Error(`no live ${purpose} timer in ${JSON.stringify(this.state.timers)}`);
    return timer.timerId;
  }
}

export interface Outcome {
  readonly events: SagaEvent[];
  readonly state: SagaState;
  readonly history: History;
}

class Spec {
  private readonly history: History;

  constructor(inputs: Input[], policy: SagaPolicy) {
    this.history = new History(policy);
    for (const input of inputs) this.history.handle(input);
  }

  get state(): SagaState {
    return this.history.state;
  }

  when(input: Input) {
    const history = this.history;
    const resolved = typeof input === 'function' ? input(history) : input;
    const outcome = decide(resolved, history.state, history.policy);
    return {
      then(expected: Expected[]): Outcome {
        if (isRejection(outcome)) throw new Error(`expected events, got rejection: ${outcome.rejected}`);
        expect(outcome.map(shape)).toEqual(expected);
        checkMetadata(resolved, outcome);
        expect(decide(resolved, history.state, history.policy)).toEqual(outcome);
        const state = outcome.reduce(evolve, history.state);
        expect(replay([...history.events, ...outcome])).toEqual(state);
        history.events.push(...outcome);
        history.state = state;
        return { events: outcome, state, history };
      },
      thenNothing(): Outcome {
        if (isRejection(outcome)) throw new Error(`expected no events, got rejection: ${outcome.rejected}`);
        expect(outcome).toEqual([]);
        return { events: [], state: history.state, history };
      },
      thenRejects(code: RejectionCode, ...mentions: string[]): string {
        if (!isRejection(outcome)) throw new Error(`expected a rejection, got ${outcome.map((e) => e.type).join(', ')}`);
        expect(outcome.code).toBe(code);
        for (const mention of mentions) expect(outcome.rejected).toContain(mention);
        return outcome.rejected;
      },
    };
  }
}

/** Every emitted event names its cause and time; recorded inputs keep their own id; ids are unique. */
function checkMetadata(input: SagaInput, events: SagaEvent[]): void {
  for (const event of events) {
    expect(event.payload.orderId).toBe(ORDER_ID);
    if (eventRoles[event.type] === 'recorded') {
      expect(event.payload.metadata.eventId).toBe(inputId(input));
    } else {
      expect(event.payload.metadata).toMatchObject({ causationId: inputId(input), occurredAt: input.now, correlationId: ORDER_ID });
    }
  }
  const emitted = events.filter((e) => eventRoles[e.type] !== 'recorded').map((e) => e.payload.metadata.eventId);
  expect(new Set(emitted).size).toBe(emitted.length);
}

export const given = (...inputs: Input[]) => new Spec(inputs, defaultSagaPolicy);
export const givenWithPolicy = (policy: SagaPolicy, ...inputs: Input[]) => new Spec(inputs, policy);

// Expected events the saga sends, spelled out from the fixture order.

export const timerId = (n: number) => `${ORDER_ID}/timer/${n}`;
export const scheduled = (n: number, purpose: TimerPurpose, dueAt: number, shipmentId: string | null = null) =>
  ev('TimerScheduled', { timerId: timerId(n), purpose, dueAt, shipmentId });
export const timerCancelled = (n: number) => ev('TimerCancelled', { timerId: timerId(n) });
