/** Why bytes could not be read as an event. */
export type MalformedReason = 'not-single-object-encoding' | 'unknown-fingerprint' | 'truncated' | 'invalid-body';

/** Bytes that are not a readable event; `reason` is for machines (metrics, DLQ headers), `message` for people. */
export class MalformedMessageError extends Error {
  override readonly name = 'MalformedMessageError';

  constructor(
    readonly reason: MalformedReason,
    message: string,
    /** Writer fingerprint (16 hex digits, wire order) when the header was readable. */
    readonly fingerprint?: string,
  ) {
    super(message);
  }
}

/** One thing wrong with a payload: where (`lines[0].unitPrice.amount`) and what. */
export interface PayloadProblem {
  readonly path: string;
  readonly problem: string;
}

/** A payload that does not match its event's schema; nothing was encoded. */
export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';

  constructor(
    readonly eventType: string,
    readonly problems: readonly PayloadProblem[],
  ) {
    super(`${eventType} payload is invalid: ${problems.map(({ path, problem }) => `${path || '(payload)'}: ${problem}`).join('; ')}. Fix the field(s) named and encode again.`);
  }
}

/** An event type the contracts do not define. */
export class UnknownEventTypeError extends Error {
  override readonly name = 'UnknownEventTypeError';

  constructor(
    readonly eventType: string,
    known: readonly string[],
  ) {
    super(`Unknown event type "${eventType}". Known event types: ${known.join(', ')}.`);
  }
}
