import { dueCount, dueSlots, intendedSendTime, runFixedRate, runMaxRate, totalOrders, type Clock, type Slot } from './schedule';

/** A clock the test moves: sleeping advances it, and sends can make it jump (a stall). */
class FakeClock implements Clock {
  constructor(public time = 1_000_000) {}
  now(): number {
    return this.time;
  }
  async sleep(ms: number): Promise<void> {
    this.time += ms;
  }
}

describe('the fixed-rate schedule', () => {
  it('means to send order i at start + i / rate', () => {
    expect(intendedSendTime(1000, 0, 50)).toBe(1000);
    expect(intendedSendTime(1000, 1, 50)).toBe(1020);
    expect(intendedSendTime(1000, 50, 50)).toBe(2000);
    expect(intendedSendTime(0, 3, 3)).toBe(1000);
  });

  it('counts orders due at a moment, the first one at once, capped at the total', () => {
    expect(dueCount(-1, 10, 100)).toBe(0);
    expect(dueCount(0, 10, 100)).toBe(1);
    expect(dueCount(99, 10, 100)).toBe(1);
    expect(dueCount(100, 10, 100)).toBe(2);
    expect(dueCount(60_000, 10, 100)).toBe(100);
    expect(totalOrders(700, 30_000)).toBe(21_000);
  });

  it('hands out due slots after the ones already sent', () => {
    expect(dueSlots(0, 250, 10, 100, 1)).toEqual([
      { index: 1, intendedAt: 100 },
      { index: 2, intendedAt: 200 },
    ]);
    expect(dueSlots(0, 250, 10, 100, 3)).toEqual([]);
  });

  it('sends every order exactly once at its intended time, in order', async () => {
    const clock = new FakeClock();
    const start = clock.time;
    const slots: Slot[] = [];
    const sent = await runFixedRate({ rate: 40, durationMs: 2_000, clock, send: (s) => slots.push(...s) });
    expect(sent).toBe(80);
    expect(slots.map((s) => s.index)).toEqual(Array.from({ length: 80 }, (_, i) => i));
    slots.forEach((s, i) => expect(s.intendedAt).toBeCloseTo(start + i * 25, 6));
  });

  it('does not drift after a stall: the late orders keep their intended times and the schedule catches up', async () => {
    const clock = new FakeClock();
    const start = clock.time;
    const batches: Slot[][] = [];
    await runFixedRate({
      rate: 100,
      durationMs: 1_000,
      clock,
      send: (s) => {
        batches.push([...s]);
        if (batches.length === 3) clock.time += 300; // a 300 ms pause (GC, a busy core) while sending
      },
    });
    const all = batches.flat();
    expect(all).toHaveLength(100);
    all.forEach((s, i) => expect(s.intendedAt).toBeCloseTo(start + i * 10, 6));
    // Right after the pause the overdue orders go out together, each still stamped with its own intended time.
    const catchUp = batches.find((b) => b.length >= 25);
    expect(catchUp).toBeDefined();
    // The run ends when the schedule says, not 300 ms later.
    expect(clock.time - start).toBeLessThan(1_000 + 20);
  });

  it('as fast as possible, keeps at most maxInFlight orders unsettled', async () => {
    const clock = new FakeClock();
    let inFlight = 0;
    let peak = 0;
    let sent = 0;
    const total = await runMaxRate({
      durationMs: 100,
      maxInFlight: 7,
      clock,
      tickMs: 1,
      inFlight: () => inFlight,
      send: (slots) => {
        inFlight += slots.length;
        sent += slots.length;
        peak = Math.max(peak, inFlight);
        inFlight = Math.max(0, inFlight - 3); // the platform settles 3 per tick
      },
    });
    expect(peak).toBeLessThanOrEqual(7);
    expect(total).toBe(sent);
    expect(total).toBeGreaterThan(7);
  });
});
