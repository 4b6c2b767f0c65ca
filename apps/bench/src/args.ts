// Command line of `npm run bench`: every flag validated, every error names the flag and what it got.
import { tmpdir } from 'node:os';
import path from 'node:path';

export type BenchMode = 'embedded' | 'kafka';
export type Via = 'http' | 'topic' | 'mixed';

export interface SweepOptions {
  /** The p99 (received → FulfilmentInstructed, from the intended send time) a rate must stay within. */
  readonly p99BoundMs: number;
  readonly startRate: number;
  /** Each step multiplies the rate by this (> 1). */
  readonly stepFactor: number;
  /** Stop after this many steps even if the bound still holds. */
  readonly maxSteps: number;
}

export interface BenchOptions {
  readonly modes: readonly BenchMode[];
  /** Orders per second, or 'max': as fast as possible with at most `maxInFlight` orders not yet settled. */
  readonly rate: number | 'max';
  readonly maxInFlight: number;
  readonly durationMs: number;
  readonly via: Via;
  readonly sweep: SweepOptions | null;
  readonly skipCeilings: boolean;
  /** Count the DCs' stock up before the run (default off: the demo stock lasts for runs of a few thousand orders). */
  readonly restock: boolean;
  /** A first, unmeasured run at a low rate until its orders settled: JIT, caches, connections (0: none). */
  readonly warmupMs: number;
  /** Folder for CPU profiles of the platform's processes, or null. */
  readonly cpuProfDir: string | null;
  readonly jsonPath: string | null;
  /** After the last send, how long to wait for every order to settle. */
  readonly drainTimeoutMs: number;
  /** The simulated warehouses' time from instruction to dispatch. */
  readonly dispatchDelayMs: number;
  readonly seed: number;
  readonly help: boolean;
}

export const DEFAULTS = {
  // What both modes sustain on the reference machine today (docs/benchmarks.md); raise it as they get faster.
  rate: 2,
  maxInFlight: 500,
  durationMs: 30_000,
  via: 'mixed' as Via,
  p99BoundMs: 2_000,
  startRate: 25,
  stepFactor: 1.5,
  maxSteps: 12,
  drainTimeoutMs: 60_000,
  dispatchDelayMs: 200,
  warmupMs: 5_000,
  seed: 42,
  cpuProfDir: path.join(tmpdir(), 'switchyard-bench-profiles'),
};

export const USAGE = `npm run bench -- [options]

Sends orders through the platform's public intake (HTTP POST /v1/orders and the orders.received topic),
follows every order through its events to a terminal state, and prints throughput, latency, events/s,
CPU and memory per process, and the same machine's ceilings (raw Kafka, PostgreSQL outbox+inbox commits,
routing decisions) with the platform's throughput as a fraction of each.

Options:
  --mode embedded|kafka|both   which platform to run (default both, embedded first)
  --rate N|max                 orders per second on a fixed schedule (default ${DEFAULTS.rate});
                               max: as fast as possible with at most --max-in-flight orders unsettled
  --max-in-flight N            bound for --rate max (default ${DEFAULTS.maxInFlight})
  --duration 30s               how long to send (ms, s or m; default ${DEFAULTS.durationMs / 1000}s)
  --via http|topic|mixed       intake path (default ${DEFAULTS.via}: every other order by HTTP)
  --sweep                      increase the rate step by step until p99 passes --p99-bound
  --p99-bound 2s               sweep bound on p99 received → FulfilmentInstructed (default ${DEFAULTS.p99BoundMs / 1000}s)
  --start-rate N               first sweep rate (default ${DEFAULTS.startRate})
  --step-factor F              sweep rate multiplier per step, > 1 (default ${DEFAULTS.stepFactor})
  --max-steps N                at most this many sweep steps (default ${DEFAULTS.maxSteps})
  --drain-timeout 60s          wait this long after the last send for every order to settle
  --dispatch-delay 200ms       simulated warehouse time from instruction to dispatch
  --seed N                     seed of the order mix (default ${DEFAULTS.seed})
  --warmup 5s                  unmeasured warm-up at 5 orders/s, drained before the run (0 for none)
  --restock                    count every stocked SKU at the DCs and the 3PL up to 1,000,000 units first
                               (for long runs; the demo stock lasts for a few thousand orders)
  --skip-ceilings              do not measure Kafka / PostgreSQL / routing ceilings
  --cpu-prof [dir]             CPU-profile the platform's processes into dir (default ${DEFAULTS.cpuProfDir})
                               and print the top self-time functions of the hottest one
  --json out.json              also write every figure as JSON
  --help                       this text

Exit code: 0 when every order reached a terminal state exactly once; 1 when an order was lost or
duplicated (or the run failed); 2 for a usage error.`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** "30s", "500ms", "2m", "1.5s"; a bare number is seconds. */
export function parseDuration(flag: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match) throw new UsageError(`${flag} takes a duration like 30s, 500ms or 2m; got "${text}".`);
  const value = Number(match[1]);
  const unit = match[2] ?? 's';
  const ms = unit === 'ms' ? value : unit === 's' ? value * 1000 : value * 60_000;
  return ms;
}

function positiveNumber(flag: string, text: string, { integer = false } = {}): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new UsageError(`${flag} takes a positive ${integer ? 'whole ' : ''}number; got "${text}".`);
  }
  return value;
}

const VALUE_FLAGS = new Set([
  '--mode', '--rate', '--max-in-flight', '--duration', '--via', '--p99-bound', '--start-rate', '--step-factor', '--max-steps',
  '--drain-timeout', '--dispatch-delay', '--seed', '--json', '--warmup',
]);
const SWITCHES = new Set(['--sweep', '--skip-ceilings', '--restock', '--help', '-h']);

export function parseArgs(argv: readonly string[]): BenchOptions {
  const values = new Map<string, string>();
  const switches = new Set<string>();
  let cpuProfDir: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i];
    const [flag, inline] = raw.startsWith('--') && raw.includes('=') ? [raw.slice(0, raw.indexOf('=')), raw.slice(raw.indexOf('=') + 1)] : [raw, undefined];
    if (flag === '--cpu-prof') {
      const next = inline ?? (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--') ? argv[++i] : undefined);
      cpuProfDir = next ?? DEFAULTS.cpuProfDir;
      continue;
    }
    if (SWITCHES.has(flag)) {
      if (inline !== undefined) throw new UsageError(`${flag} takes no value; got "${raw}".`);
      switches.add(flag === '-h' ? '--help' : flag);
      continue;
    }
    if (VALUE_FLAGS.has(flag)) {
      const value = inline ?? argv[++i];
      if (value === undefined || (inline === undefined && value.startsWith('--'))) throw new UsageError(`${flag} needs a value (see --help).`);
      if (values.has(flag)) throw new UsageError(`${flag} is given twice.`);
      values.set(flag, value);
      continue;
    }
    throw new UsageError(`Unknown argument "${raw}" (see --help).`);
  }

  const modeText = values.get('--mode') ?? 'both';
  if (!['embedded', 'kafka', 'both'].includes(modeText)) throw new UsageError(`--mode takes embedded, kafka or both; got "${modeText}".`);
  const modes: BenchMode[] = modeText === 'both' ? ['embedded', 'kafka'] : [modeText as BenchMode];

  const rateText = values.get('--rate');
  const rate: number | 'max' = rateText === undefined ? DEFAULTS.rate : rateText === 'max' ? 'max' : positiveNumber('--rate', rateText);

  const via = (values.get('--via') ?? DEFAULTS.via) as Via;
  if (!['http', 'topic', 'mixed'].includes(via)) throw new UsageError(`--via takes http, topic or mixed; got "${via}".`);

  const sweepFlags = ['--p99-bound', '--start-rate', '--step-factor', '--max-steps'].filter((f) => values.has(f));
  const sweepOn = switches.has('--sweep');
  if (!sweepOn && sweepFlags.length > 0) throw new UsageError(`${sweepFlags.join(', ')} only apply with --sweep.`);
  if (sweepOn && rateText !== undefined) throw new UsageError('--rate and --sweep exclude each other: a sweep chooses its rates (use --start-rate).');
  let sweep: SweepOptions | null = null;
  if (sweepOn) {
    const stepFactor = values.has('--step-factor') ? positiveNumber('--step-factor', values.get('--step-factor') as string) : DEFAULTS.stepFactor;
    if (stepFactor <= 1) throw new UsageError(`--step-factor must be greater than 1; got ${stepFactor}.`);
    sweep = {
      p99BoundMs: values.has('--p99-bound') ? parseDuration('--p99-bound', values.get('--p99-bound') as string) : DEFAULTS.p99BoundMs,
      startRate: values.has('--start-rate') ? positiveNumber('--start-rate', values.get('--start-rate') as string) : DEFAULTS.startRate,
      stepFactor,
      maxSteps: values.has('--max-steps') ? positiveNumber('--max-steps', values.get('--max-steps') as string, { integer: true }) : DEFAULTS.maxSteps,
    };
  }

  const durationMs = values.has('--duration') ? parseDuration('--duration', values.get('--duration') as string) : DEFAULTS.durationMs;
  if (durationMs < 1000) throw new UsageError(`--duration must be at least 1s; got ${durationMs} ms.`);
  const drainTimeoutMs = values.has('--drain-timeout') ? parseDuration('--drain-timeout', values.get('--drain-timeout') as string) : DEFAULTS.drainTimeoutMs;
  const dispatchDelayMs = values.has('--dispatch-delay') ? parseDuration('--dispatch-delay', values.get('--dispatch-delay') as string) : DEFAULTS.dispatchDelayMs;
  const seedText = values.get('--seed');
  const seed = seedText === undefined ? DEFAULTS.seed : Number(seedText);
  if (!Number.isInteger(seed) || seed < 0) throw new UsageError(`--seed takes a whole number ≥ 0; got "${seedText}".`);
  const jsonPath = values.get('--json') ?? null;
  if (jsonPath !== null && jsonPath.trim() === '') throw new UsageError('--json needs a file name.');

  return {
    modes,
    rate,
    maxInFlight: values.has('--max-in-flight') ? positiveNumber('--max-in-flight', values.get('--max-in-flight') as string, { integer: true }) : DEFAULTS.maxInFlight,
    durationMs,
    via,
    sweep,
    skipCeilings: switches.has('--skip-ceilings'),
    restock: switches.has('--restock'),
    warmupMs: values.has('--warmup') ? parseDuration('--warmup', values.get('--warmup') as string) : DEFAULTS.warmupMs,
    cpuProfDir,
    jsonPath,
    drainTimeoutMs,
    dispatchDelayMs,
    seed,
    help: switches.has('--help'),
  };
}
