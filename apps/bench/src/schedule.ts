// The load schedule. At a fixed rate, order i is *intended* to be sent at start + i / rate, whatever happened
// before: the schedule is computed from the start, never from the previous send, so it does not drift, and a
// stall (a slow response, a GC pause, a busy core) does not lower the offered load. Latency measured from the
// intended time includes the time an order waited to be sent (coordinated omission); latency from the actual
// send time does not.

/** One order due to be sent. */
export interface Slot {
  readonly index: number;
  /** Epoch milliseconds (fractional) at which the schedule meant to send it. */
  readonly intendedAt: number;
}

/** Intended send time of order `index` at `rate` orders/s from `startMs`. */
export function intendedSendTime(startMs: number, index: number, rate: number): number {
  return startMs + (index * 1000) / rate;
}

/** How many orders are due by `elapsedMs` after the start (order 0 is due at once), capped at `total`. */
export function dueCount(elapsedMs: number, rate: number, total: number): number {
  if (elapsedMs < 0) return 0;
  return Math.min(total, Math.floor((elapsedMs * rate) / 1000) + 1);
}

/** Orders in a fixed-rate run of `durationMs`. */
export function totalOrders(rate: number, durationMs: number): number {
  return Math.max(1, Math.round((rate * durationMs) / 1000));
}

/**
 * The slots that are due at `nowMs` and not yet handed out (`sent` so far). Pure: the caller keeps `sent`.
 */
export function dueSlots(startMs: number, nowMs: number, rate: number, total: number, sent: number): Slot[] {
  const due = dueCount(nowMs - startMs, rate, total);
  const slots: Slot[] = [];
  for (let index = sent; index < due; index++) slots.push({ index, intendedAt: intendedSendTime(startMs, index, rate) });
  return slots;
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Runs a fixed-rate schedule: wakes at the next intended time (at most every `tickMs`) and hands every due slot
 * to `send` (which must not wait for the platform: it starts the sends and returns). Resolves after the last
 * slot was handed out, with the number of slots.
 */
export async function runFixedRate(options: {
  readonly rate: number;
  readonly durationMs: number;
  readonly send: (slots: readonly Slot[]) => void;
  readonly clock?: Clock;
  readonly tickMs?: number;
  readonly shouldStop?: () => boolean;
}): Promise<number> {
  const clock = options.clock ?? realClock;
  const tickMs = options.tickMs ?? 5;
  const total = totalOrders(options.rate, options.durationMs);
  const start = clock.now();
  let sent = 0;
  while (sent < total && !options.shouldStop?.()) {
    const slots = dueSlots(start, clock.now(), options.rate, total, sent);
    if (slots.length > 0) {
      sent += slots.length;
      options.send(slots);
    }
    if (sent >= total) break;
    const next = intendedSendTime(start, sent, options.rate);
    await clock.sleep(Math.max(1, Math.min(tickMs, next - clock.now())));
  }
  return sent;
}

/**
 * As fast as possible for `durationMs`, never more than `maxInFlight` orders unsettled (`inFlight()` is the
 * caller's count: sent and not yet in a terminal state). The intended time of each slot is when it was handed out.
 */
export async function runMaxRate(options: {
  readonly durationMs: number;
  readonly maxInFlight: number;
  readonly inFlight: () => number;
  readonly send: (slots: readonly Slot[]) => void;
  readonly clock?: Clock;
  readonly tickMs?: number;
  readonly shouldStop?: () => boolean;
}): Promise<number> {
  const clock = options.clock ?? realClock;
  const tickMs = options.tickMs ?? 2;
  const start = clock.now();
  let sent = 0;
  while (clock.now() - start < options.durationMs && !options.shouldStop?.()) {
    const room = options.maxInFlight - options.inFlight();
    if (room > 0) {
      const now = clock.now();
      const slots: Slot[] = Array.from({ length: room }, (_, i) => ({ index: sent + i, intendedAt: now }));
      sent += room;
      options.send(slots);
    }
    await clock.sleep(tickMs);
  }
  return sent;
}
