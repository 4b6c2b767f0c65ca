import { parseArgs, parseDuration, UsageError } from './args';
import { areaOf, summariseProfile, type CpuProfile } from './profile';
import { parseStatCpuTicks } from './process-sampler';
import { latencyHistogram, recordMs, summarise } from './stats';
import { judgeStep, sweepRates } from './sweep';

describe('histogram summaries', () => {
  it('gives p50 / p90 / p99 / max of what was recorded', () => {
    const h = latencyHistogram();
    for (let v = 1; v <= 1000; v++) recordMs(h, v);
    const s = summarise(h);
    expect(s.count).toBe(1000);
    expect(s.p50).toBeGreaterThanOrEqual(500);
    expect(s.p50).toBeLessThanOrEqual(501);
    expect(s.p90).toBeGreaterThanOrEqual(900);
    expect(s.p90).toBeLessThanOrEqual(901);
    expect(s.p99).toBeGreaterThanOrEqual(990);
    expect(s.p99).toBeLessThanOrEqual(991);
    expect(s.max).toBeGreaterThanOrEqual(1000);
    expect(s.max).toBeLessThanOrEqual(1001);
  });

  it('never reports a percentile above the maximum, counts sub-millisecond as 1 ms, and is empty when nothing was recorded', () => {
    const h = latencyHistogram();
    recordMs(h, 15_057);
    recordMs(h, 0.2);
    const s = summarise(h);
    expect(s.p99).toBeLessThanOrEqual(s.max);
    expect(summarise(latencyHistogram())).toEqual({ count: 0, p50: 0, p90: 0, p99: 0, max: 0, mean: 0 });
  });
});

describe('the command line', () => {
  it('has defaults', () => {
    const o = parseArgs([]);
    expect(o.modes).toEqual(['embedded', 'kafka']);
    expect(o.rate).toBe(2);
    expect(o.durationMs).toBe(30_000);
    expect(o.via).toBe('mixed');
    expect(o.sweep).toBeNull();
    expect(o.cpuProfDir).toBeNull();
  });

  it('reads every flag', () => {
    const o = parseArgs(['--mode', 'kafka', '--rate=max', '--max-in-flight', '100', '--duration', '2m', '--via', 'topic', '--skip-ceilings', '--cpu-prof', '--json', 'out.json', '--seed', '7']);
    expect(o).toMatchObject({ modes: ['kafka'], rate: 'max', maxInFlight: 100, durationMs: 120_000, via: 'topic', skipCeilings: true, cpuProfDir: expect.stringContaining('switchyard-bench-profiles'), jsonPath: 'out.json', seed: 7 });
    expect(parseArgs(['--cpu-prof', 'profiles', '--mode', 'embedded']).cpuProfDir).toBe('profiles');
    expect(parseArgs(['--sweep', '--p99-bound', '500ms', '--start-rate', '10', '--step-factor', '2']).sweep).toEqual({ p99BoundMs: 500, startRate: 10, stepFactor: 2, maxSteps: 12 });
  });

  it.each([
    [['--mode', 'cloud'], '--mode takes embedded, kafka or both; got "cloud".'],
    [['--rate', '-3'], '--rate takes a positive number; got "-3".'],
    [['--rate', 'fast'], '--rate takes a positive number; got "fast".'],
    [['--duration', '30 seconds'], '--duration takes a duration like 30s, 500ms or 2m; got "30 seconds".'],
    [['--duration', '200ms'], '--duration must be at least 1s; got 200 ms.'],
    [['--via', 'smtp'], '--via takes http, topic or mixed; got "smtp".'],
    [['--p99-bound', '1s'], '--p99-bound only apply with --sweep.'],
    [['--sweep', '--rate', '10'], '--rate and --sweep exclude each other: a sweep chooses its rates (use --start-rate).'],
    [['--sweep', '--step-factor', '1'], '--step-factor must be greater than 1; got 1.'],
    [['--rate'], '--rate needs a value (see --help).'],
    [['--rate', '1', '--rate', '2'], '--rate is given twice.'],
    [['--frobnicate'], 'Unknown argument "--frobnicate" (see --help).'],
    [['--max-in-flight', '2.5'], '--max-in-flight takes a positive whole number; got "2.5".'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });

  it('reads durations', () => {
    expect(parseDuration('--x', '1.5s')).toBe(1500);
    expect(parseDuration('--x', '250ms')).toBe(250);
    expect(parseDuration('--x', '3')).toBe(3000);
  });
});

describe('the sweep', () => {
  const run = (over: Partial<{ failures: string[]; drained: boolean; offered: number; p99: number; count: number }> = {}) => ({
    failures: over.failures ?? [],
    drained: over.drained ?? true,
    offeredPerSecond: over.offered ?? 100,
    ledger: { latencies: { fromIntended: { instructed: { count: over.count ?? 10, p50: 1, p90: 1, p99: over.p99 ?? 100, max: 200, mean: 1 } } } },
  });

  it('steps the rate up by the factor', () => {
    expect(sweepRates({ startRate: 10, stepFactor: 2, maxSteps: 4 })).toEqual([10, 20, 40, 80]);
    expect(sweepRates({ startRate: 25, stepFactor: 1.5, maxSteps: 3 })).toEqual([25, 37.5, 56.3]);
  });

  it('holds while p99 is within the bound and nothing is lost; fails on either, or when the load could not be offered', () => {
    const judge = (r: ReturnType<typeof run>) => judgeStep(100, r as never, 250);
    expect(judge(run())).toEqual({ passed: true, why: 'ok' });
    expect(judge(run({ p99: 251 })).why).toBe('p99 251 ms > 250 ms');
    expect(judge(run({ failures: ['1 order(s) lost'] })).why).toBe('failed: 1 order(s) lost');
    expect(judge(run({ drained: false })).passed).toBe(false);
    expect(judge(run({ offered: 80 })).why).toBe('could only offer 80.0/s of 100/s');
    expect(judge(run({ count: 0 })).why).toBe('no order was instructed');
  });
});

describe('CPU profiles and /proc', () => {
  it('reads utime + stime from /proc/<pid>/stat even when the command has spaces and parentheses', () => {
    const stat = '4242 (node (worker) x) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 75 0 0 20 0 11 0 123 456 789';
    expect(parseStatCpuTicks(stat)).toBe(325);
  });

  it('adds up self time per function from the samples and their time deltas, idle apart', () => {
    const profile: CpuProfile = {
      startTime: 0,
      endTime: 10_000,
      nodes: [
        { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 }, children: [2, 3, 4] },
        { id: 2, callFrame: { functionName: 'decode', url: 'file:///work/main/node_modules/avsc/lib/types.js', lineNumber: 9 } },
        { id: 3, callFrame: { functionName: 'route', url: 'file:///work/main/libs/routing-engine/src/route.ts', lineNumber: 41 } },
        { id: 4, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
      ],
      samples: [2, 3, 2, 4, 2],
      timeDeltas: [0, 1000, 2000, 1000, 4000],
    };
    const summary = summariseProfile(profile, 'x.cpuprofile');
    // decode: samples 0, 2, 4 → 1000 + 1000 + 0; route: sample 1 → 2000; idle: sample 3 → 4000.
    expect(summary.top).toEqual([
      { name: 'decode (avsc/lib/types.js:10)', selfMs: 2, selfPercent: 50 },
      { name: 'route (libs/routing-engine/src/route.ts:42)', selfMs: 2, selfPercent: 50 },
    ]);
    expect(summary.busyMs).toBe(4);
    expect(summary.byArea.map((a) => a.area)).toEqual(['avsc (Avro)', 'switchyard libs/routing-engine']);
  });

  it('puts functions in areas', () => {
    expect(areaOf('(garbage collector)', '')).toBe('garbage collection');
    expect(areaOf('send', 'file:///x/node_modules/kafkajs/src/producer.js')).toBe('kafkajs');
    expect(areaOf('query', 'file:///x/node_modules/pg/lib/client.js')).toBe('PostgreSQL client (pg, typeorm)');
    expect(areaOf('wasm-function[2273]', 'wasm://wasm/022aac12')).toBe('PGlite (PostgreSQL compiled to WebAssembly)');
    expect(areaOf('writeGeneric', 'node:internal/stream_base_commons')).toBe('node internals (net, streams, timers, crypto...)');
    expect(areaOf('handle', 'file:///x/services/orchestrator/src/saga.ts')).toBe('switchyard services/orchestrator');
  });
});
