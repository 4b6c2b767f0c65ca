/**
 * How a handler says what went wrong, so the consumer knows whether trying again can help.
 * Anything else a handler throws counts as retriable: a bug fixed and deployed in time still saves the message.
 */

/** Worth trying again (a timeout, a lock, a service briefly unavailable). Retried with backoff, then dead-lettered. */
export class RetriableError extends Error {
  override readonly name: string = 'RetriableError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Will fail the same way every time (a broken invariant, a reference that cannot exist). Dead-lettered at once. */
export class FatalError extends Error {
  override readonly name: string = 'FatalError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The library was configured or called in a way that cannot work; the message says what to change. */
export class MessagingConfigurationError extends Error {
  override readonly name = 'MessagingConfigurationError';
}

/** The broker refused or did not confirm an operation; `retriable` says whether the same call may succeed later. */
export class TransportError extends Error {
  override readonly name = 'TransportError';

  constructor(
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

// PostgreSQL's connection-exception, insufficient-resources and shutdown classes: the database, not the message, failed.
const UNAVAILABLE_SQLSTATE = /^(08|53|57P0[1-3])/;
const LOST_CONNECTION = /Connection terminated|connection is closed|Client has encountered a connection error|timeout exceeded when trying to connect/i;

/**
 * True when the service's own database failed underneath a handler (connection lost, server shutting down, out of
 * connections). Such a failure does not use up the message's attempts: every message would fail the same way.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && UNAVAILABLE_SQLSTATE.test(code)) return true;
    if (LOST_CONNECTION.test(current.message)) return true;
    const driverError = (current as { driverError?: unknown }).driverError;
    if (driverError instanceof Error && driverError !== current && isDatabaseUnavailable(driverError)) return true;
  }
  return false;
}
