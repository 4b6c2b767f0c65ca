// npm run bench -- [--mode embedded|kafka|both] [--rate N|max] [--duration 30s] [--via http|topic|mixed] [--sweep ...]
// The platform benchmark: see USAGE in args.ts and docs/benchmarks.md.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { EventCodec, type AnyEvent } from '@switchyard/contracts';
import { provideTestInfrastructure, type TestInfrastructure } from '@switchyard/infra';
import { parseArgs, UsageError, USAGE, type BenchMode, type BenchOptions } from './args';
import { measureCeilings, measureEmbeddedPostgresCeiling, type Ceilings } from './ceilings';
import { InProcessProfiler } from './cpu-profiler';
import { createOrderMix, demoNetwork } from './demo';
import { PlatformObserver, platformTopics } from './observer';
import { profilesOf, readProfile, summariseProfile } from './profile';
import { bottleneck, formatCeilings, formatFailures, formatIdle, formatTableWrites, formatProcessTable, formatProfile, formatRunTable, formatSweep, ratios, type ModeReport, type SweepStep } from './report';
import { LedgerHolder, measureIdle, runOnce, type IdleBaseline, type RunResult } from './run';
import { judgeStep, sweepRates } from './sweep';
import { restock, startTarget, type BenchTarget } from './target';

const log = (line: string): void => {
  process.stderr.write(`[bench] ${line}\n`);
};

/** Restocked units per (SKU, DC) before a run: Black Friday stock, so the run measures the flow, not stock-outs. */
const RESTOCK_UNITS = 1_000_000;

/** The encoded size of a typical OrderReceived of the mix: the raw Kafka ceiling sends messages of this size. */
function sampleOrderReceived(seed: number): Buffer {
  const first = createOrderMix({ seed, network: demoNetwork, runId: 'sample' }).next().value;
  if (!first) throw new Error('The order mix produced no order.');
  const event = { type: 'OrderReceived', payload: { ...first.body, channel: first.channelId, metadata: { eventId: '00000000-0000-4000-8000-000000000000', occurredAt: Date.now(), correlationId: 'sample', causationId: null } } } as AnyEvent;
  return new EventCodec().encodeEvent(event);
}

/** Waits until no event has been read for `quietMs` (at most `maxMs`): the platform has settled after start and restock. */
async function untilQuiet(observer: PlatformObserver, quietMs: number, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  while (Date.now() < deadline && Date.now() - observer.lastMessageAt < quietMs) await new Promise((resolve) => setTimeout(resolve, 200));
}

export async function benchMode(mode: BenchMode, options: BenchOptions, ceilings: Ceilings | null): Promise<ModeReport> {
  log(`${mode}: starting the platform (${mode === 'kafka' ? 'every service its own process on Kafka + PostgreSQL' : 'every service in this process, embedded transport + PGlite'})…`);
  const started = Date.now();
  const target: BenchTarget = await startTarget({ mode, dispatchDelayMs: options.dispatchDelayMs, cpuProfDir: options.cpuProfDir, log });
  log(`${mode}: platform up in ${((Date.now() - started) / 1000).toFixed(1)} s at ${target.platform.apiUrl}${target.namespace ? ` (topic namespace ${target.namespace})` : ''}; processes: ${target.platform.processes().map((p) => `${p.name}=${p.pid}`).join(', ')}`);
  const holder = new LedgerHolder();
  const observer = new PlatformObserver(target.platform.transport, (event) => holder.current.observe(event));
  let profiler: InProcessProfiler | undefined;
  let run: RunResult | null = null;
  let idle: IdleBaseline | null = null;
  let sweep: ModeReport['sweep'] = null;
  let profile: ModeReport['profile'] = null;
  let modeCeilings = ceilings;
  try {
    await observer.start(platformTopics(target.locationIds, target.carrierIds));
    if (options.restock) {
      const pairs = await restock(target, RESTOCK_UNITS);
      log(`${mode}: restocked ${pairs} SKU × DC pairs to ${RESTOCK_UNITS.toLocaleString('en-GB')} units; waiting for the platform to take it in…`);
    }
    if (observer.skippedTopics.length > 0) log(`${mode}: topics not there (not observed): ${observer.skippedTopics.join(', ')}`);
    await untilQuiet(observer, 2_000, 120_000);
    const runId = `b${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
    const source = createOrderMix({ seed: options.seed, network: demoNetwork, runId, cancelAfterMs: [500, 5_000] });
    if (options.warmupMs > 0) {
      const warmup = await runOnce(target, observer, holder, source, { rate: 5, maxInFlight: 50, durationMs: options.warmupMs, via: options.via, drainTimeoutMs: 120_000, label: `${mode} warm-up` }, log);
      log(`${mode}: warm-up done: ${warmup.ledger.sent} orders, p99 → instructed ${warmup.ledger.latencies.fromIntended.instructed.p99} ms${warmup.failures.length > 0 ? `; PROBLEMS: ${warmup.failures.join('; ')}` : ''}`);
      await untilQuiet(observer, 1_000, 30_000);
    }
    idle = await measureIdle(target, 5);
    log(`${mode}: idle: platform ${idle.platformCpuPercent.toFixed(0)} % of a core, ${idle.databaseTransactionsPerSecond?.toFixed(0) ?? '?'} database transactions/s`);
    if (options.cpuProfDir && mode === 'embedded') {
      profiler = new InProcessProfiler();
      await profiler.start();
    }
    if (options.cpuProfDir && mode === 'kafka') {
      // The service processes preloaded the profiler (target.ts); SIGUSR2 starts it, so start-up and warm-up stay out.
      for (const p of target.platform.processes()) {
        try {
          process.kill(p.pid, 'SIGUSR2');
        } catch (error) {
          log(`kafka: could not start the CPU profile of ${p.name} (pid ${p.pid}): ${(error as Error).message}`);
        }
      }
    }
    if (options.sweep) {
      const steps: SweepStep[] = [];
      let maxSustainableRate: number | null = null;
      const rates = sweepRates(options.sweep);
      for (const [i, rate] of rates.entries()) {
        const result = await runOnce(target, observer, holder, source, { rate, maxInFlight: options.maxInFlight, durationMs: options.durationMs, via: options.via, drainTimeoutMs: options.drainTimeoutMs, label: `${mode} sweep ${i + 1}/${rates.length} @ ${rate}/s` }, log);
        const verdict = judgeStep(rate, result, options.sweep.p99BoundMs);
        steps.push({ rate, result, passed: verdict.passed, why: verdict.why });
        log(`${mode} sweep @ ${rate}/s: ${verdict.passed ? 'held' : verdict.why} (sustained ${result.sustainedOrdersPerSecond.toFixed(1)}/s, p99 → instructed ${result.ledger.latencies.fromIntended.instructed.p99} ms)`);
        if (!verdict.passed) break;
        maxSustainableRate = rate;
        run = result;
        await untilQuiet(observer, 1_000, 30_000);
      }
      run ??= steps[steps.length - 1]?.result ?? null;
      sweep = { boundMs: options.sweep.p99BoundMs, steps, maxSustainableRate };
    } else {
      run = await runOnce(target, observer, holder, source, { rate: options.rate, maxInFlight: options.maxInFlight, durationMs: options.durationMs, via: options.via, drainTimeoutMs: options.drainTimeoutMs, label: mode }, log);
    }
    if (profiler && options.cpuProfDir) {
      const { file, profile: data } = await profiler.stop(options.cpuProfDir);
      profiler = undefined;
      const me = run?.processes.find((p) => p.pids.includes(process.pid));
      profile = { ...summariseProfile(data, file), process: me?.name ?? 'this process', cpuPercent: me?.cpuPercent ?? 0 };
    }
    const embeddedUrl = (target.platform as unknown as { databaseUrl?: string }).databaseUrl;
    if (mode === 'embedded' && !options.skipCeilings && embeddedUrl) {
      modeCeilings = { ...(ceilings ?? { kafka: null, postgres: null, routing: null, errors: [] }), embeddedPostgres: await measureEmbeddedPostgresCeiling(embeddedUrl, log) };
    }
  } finally {
    if (profiler && options.cpuProfDir) await profiler.stop(options.cpuProfDir).catch(() => undefined);
    await observer.stop().catch(() => undefined);
    log(`${mode}: stopping the platform…`);
    await target.stop();
  }
  if (options.cpuProfDir && mode === 'kafka' && run) {
    // The services wrote their profiles as they exited; read the one of the process that used the most CPU.
    const hottest = [...run.processes].filter((p) => target.platform.processes().some((t) => p.pids.includes(t.pid))).sort((a, b) => b.cpuSeconds - a.cpuSeconds)[0];
    const files = hottest ? hottest.pids.flatMap((pid) => profilesOf(options.cpuProfDir as string, pid)) : [];
    if (hottest && files.length > 0) profile = { ...summariseProfile(readProfile(files[0]), files[0]), process: hottest.name, cpuPercent: hottest.cpuPercent };
    else log(`kafka: no CPU profile found for the hottest process${hottest ? ` (${hottest.name}, pid ${hottest.pids.join(',')})` : ''} in ${options.cpuProfDir}`);
  }
  return { mode, run, idle, sweep, ceilings: modeCeilings, profile, error: null };
}

function machine(): Record<string, string | number> {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
}

function print(reports: readonly ModeReport[], ceilings: Ceilings | null, options: BenchOptions): void {
  const out = (text = '') => process.stdout.write(`${text}\n`);
  const m = machine();
  out('');
  out(`## Switchyard platform benchmark — ${new Date().toISOString()}`);
  out(`machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}; load average now ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  out(`latencies are from the events' own timestamps (metadata.occurredAt); "from intended send" counts from when the schedule meant to send the order (coordinated omission included), "from actual send" from when it was sent.`);
  out(`dispatch delay of the simulated warehouses: ${options.dispatchDelayMs} ms (part of every → OrderCompleted figure)`);
  const runs = reports.map((r) => r.run).filter((r): r is RunResult => r !== null);
  out('');
  out(formatRunTable(runs));
  for (const report of reports) {
    if (report.error) {
      out('');
      out(`${report.mode}: ERROR — ${report.error}`);
      continue;
    }
    if (!report.run) continue;
    out('');
    out(`### ${report.mode}: CPU and memory per process (sampled every second during the run)`);
    out(formatProcessTable(report.run));
    const table = formatCeilings(report.run, report.ceilings);
    if (table) {
      out('');
      out(`### ${report.mode}: the platform against the ceiling of its parts`);
      out(table);
    }
    const writes = formatTableWrites(report.run);
    if (writes) {
      out('');
      out(writes);
    }
    const idleText = formatIdle(report.run, report.idle);
    if (idleText) {
      out('');
      out(idleText);
    }
    out('');
    out(`${report.mode}: ${bottleneck(report.run, report.ceilings)}`);
    if (report.sweep) {
      out('');
      out(formatSweep(report.sweep, report.mode));
    }
    if (report.profile) {
      out('');
      out(formatProfile(report.profile));
    }
    out('');
    const reasons = Object.entries(report.run.events.reasons);
    if (reasons.length > 0) out(`why orders did not go straight on (${report.mode}): ${reasons.map(([k, n]) => `${k} ×${n}`).join(', ')}`);
    for (const [reason, examples] of Object.entries(report.run.events.reasonExamples)) out(`  e.g. ${reason}: ${examples[0]}`);
    out(`events by type (${report.mode}): ${Object.entries(report.run.events.byType).map(([t, n]) => `${t} ${n}`).join(', ')}`);
  }
  if (ceilings && ceilings.errors.length > 0) out(`\nceilings not measured: ${ceilings.errors.join('; ')}`);
  out('');
  for (const run of runs) out(formatFailures(run));
}

/** The whole benchmark; resolves with the exit code (0 all good, 1 an order lost or duplicated or a run failed, 2 usage). */
export async function main(argv: readonly string[]): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`bench: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (process.platform !== 'linux') log('CPU and memory per process are read from /proc: they are only measured on Linux.');
  let infrastructure: TestInfrastructure | undefined;
  const reports: ModeReport[] = [];
  let ceilings: Ceilings | null = null;
  try {
    if (options.modes.includes('kafka') || !options.skipCeilings) infrastructure = await provideTestInfrastructure(log);
    if (!options.skipCeilings) {
      log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} before the ceilings`);
      ceilings = await measureCeilings({ brokers: infrastructure?.brokers ?? null, messageBytes: sampleOrderReceived(options.seed), log });
    }
    for (const mode of options.modes) {
      try {
        reports.push(await benchMode(mode, options, ceilings));
      } catch (error) {
        log(`${mode}: ${(error as Error).stack ?? (error as Error).message}`);
        reports.push({ mode, run: null, idle: null, sweep: null, ceilings, profile: null, error: (error as Error).message });
      }
    }
  } finally {
    await infrastructure?.stop();
  }
  print(reports, ceilings, options);
  if (options.jsonPath) {
    const json = {
      at: new Date().toISOString(),
      machine: machine(),
      options,
      ceilings,
      modes: reports.map((r) => ({ ...r, ratios: r.run ? ratios(r.run, r.ceilings) : [] })),
    };
    writeFileSync(options.jsonPath, `${JSON.stringify(json, null, 2)}\n`);
    log(`figures written to ${options.jsonPath}`);
  }
  const failed = reports.some((r) => r.error !== null || !r.run || r.run.failures.length > 0 || (r.sweep?.steps.some((s) => s.result.failures.length > 0) ?? false));
  return failed ? 1 : 0;
}

/** For bin/bench.js: runs and exits with the code. */
export function runCli(): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}

if (require.main === module) runCli();
