// One measured run: a rate (or as fast as possible) for a duration through the intake, every order followed to
// a terminal state, CPU and memory sampled, then drained and checked for lost and duplicated orders.
import { loadavg } from 'node:os';
import { Client } from 'pg';
import type { Via } from './args';
import { OrderLedger, type LedgerSummary } from './ledger';
import { OrderSender, type OrderSource, type SenderStats } from './load';
import type { EventCounts, PlatformObserver } from './observer';
import { infrastructureProcesses, ProcessSampler, type ProcessFigures, type WatchedProcess } from './process-sampler';
import { runFixedRate, runMaxRate } from './schedule';
import type { BenchTarget } from './target';

export interface RunSettings {
  readonly rate: number | 'max';
  readonly maxInFlight: number;
  readonly durationMs: number;
  readonly via: Via;
  readonly drainTimeoutMs: number;
  /** Prefix of the progress line, e.g. "kafka" or "kafka sweep 3/12 @ 80/s". */
  readonly label: string;
}

export interface RunResult {
  readonly mode: string;
  readonly label: string;
  readonly via: Via;
  readonly targetRate: number | 'max';
  readonly durationMs: number;
  /** Orders handed to the intake per second of the send window. */
  readonly offeredPerSecond: number;
  /** Orders settled (terminal or parked) per second, from the first send to the last settling event. */
  readonly sustainedOrdersPerSecond: number;
  readonly completedPerSecond: number;
  readonly eventsPerSecond: number;
  readonly eventsPerOrder: number;
  /** Transactions committed in the platform's database during the run (pg_stat_database; read-only ones included), or null. */
  readonly databaseTransactions: number | null;
  readonly databaseTransactionsPerSecond: number | null;
  /** Rows written per order in the run, by table, most first (pg_stat_user_tables), or empty. */
  readonly writesPerOrderByTable: readonly { readonly table: string; readonly rowsPerOrder: number }[];
  /** CPU seconds per settled order: the platform's processes, and with Kafka and PostgreSQL added. */
  readonly cpuSecondsPerOrder: { readonly platform: number; readonly withInfrastructure: number };
  readonly events: EventCounts;
  readonly ledger: LedgerSummary;
  readonly sender: Omit<SenderStats, 'refusals'> & { readonly refusals: Record<string, { count: number; example: string }> };
  readonly processes: readonly ProcessFigures[];
  readonly drained: boolean;
  /** From the last send to the last order settled (or the drain timeout). */
  readonly drainSeconds: number;
  readonly loadAverage: { readonly start: readonly number[]; readonly end: readonly number[] };
  /** Problems that make the run a failure: lost or duplicated orders, a failed send path. */
  readonly failures: readonly string[];
}

/** Rows written per table so far (inserts + updates + deletes, pg_stat_user_tables), keyed `schema.table`. */
export async function tableWrites(url: string): Promise<Map<string, number> | null> {
  const client = new Client({ connectionString: url });
  try {
    await client.connect();
    const { rows } = await client.query<{ name: string; n: string }>(
      `SELECT schemaname || '.' || relname AS name, (n_tup_ins + n_tup_upd + n_tup_del)::text AS n FROM pg_stat_user_tables`,
    );
    return new Map(rows.map((r) => [r.name, Number(r.n)]));
  } catch {
    return null;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Transactions committed in a database so far (pg_stat_database.xact_commit), or null when it cannot say. */
export async function committedTransactions(url: string): Promise<number | null> {
  const client = new Client({ connectionString: url });
  try {
    await client.connect();
    const { rows } = await client.query<{ n: string }>('SELECT xact_commit::text AS n FROM pg_stat_database WHERE datname = current_database()');
    return rows[0] ? Number(rows[0].n) : null;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface IdleBaseline {
  readonly seconds: number;
  readonly databaseTransactionsPerSecond: number | null;
  /** CPU of the platform's processes (not the bench, not Kafka or PostgreSQL), % of one core. */
  readonly platformCpuPercent: number;
  readonly withInfrastructureCpuPercent: number;
  readonly processes: readonly ProcessFigures[];
}

/** What the platform costs doing nothing: sampled for `seconds` with no orders sent (timers, pollers, relays). */
export async function measureIdle(target: BenchTarget, seconds: number): Promise<IdleBaseline> {
  const sampler = new ProcessSampler(watchedProcesses(target));
  const before = await committedTransactions(target.databaseUrl);
  const started = Date.now();
  sampler.start();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const processes = sampler.stop();
  const elapsed = (Date.now() - started) / 1000;
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const after = await committedTransactions(target.databaseUrl);
  const cpu = (pick: (name: string) => boolean) => processes.filter((p) => pick(p.name)).reduce((sum, p) => sum + p.cpuSeconds, 0) / elapsed * 100;
  return {
    seconds: elapsed,
    // The stats lag a little; the reading 1.5 s later covers the sampled window plus that wait.
    databaseTransactionsPerSecond: before !== null && after !== null ? (after - before) / (elapsed + 1.5) : null,
    platformCpuPercent: cpu((name) => !isInfrastructure(name) && name !== BENCH_PROCESS),
    withInfrastructureCpuPercent: cpu((name) => name !== BENCH_PROCESS),
    processes,
  };
}

/** Holds the ledger the observer feeds, so one observer can serve several runs (a sweep). */
export class LedgerHolder {
  current = new OrderLedger();
}

const BENCH_PROCESS = 'bench (load generator + observer)';
const INFRASTRUCTURE = new Set(infrastructureProcesses().map((p) => p.name));
const isInfrastructure = (name: string): boolean => INFRASTRUCTURE.has(name);

export function watchedProcesses(target: BenchTarget): WatchedProcess[] {
  const own = target.platform.processes();
  const platform: WatchedProcess[] = own.map((p) =>
    p.pid === process.pid
      ? { name: `${p.name} (this process: the embedded platform + the bench's load generator and observer)`, pids: () => [p.pid] }
      : { name: p.name, pids: () => [p.pid] },
  );
  if (!own.some((p) => p.pid === process.pid)) platform.push({ name: BENCH_PROCESS, pids: () => [process.pid] });
  return [...platform, ...infrastructureProcesses()];
}

export async function runOnce(
  target: BenchTarget,
  observer: PlatformObserver,
  holder: LedgerHolder,
  source: OrderSource,
  settings: RunSettings,
  log: (line: string) => void,
): Promise<RunResult> {
  const ledger = new OrderLedger();
  holder.current = ledger;
  const { platform } = target;
  const channelKeys = new Map(platform.channels.map((c) => [c.channelId, c.apiKey]));
  const sender = new OrderSender({ apiUrl: platform.apiUrl, channelKeys, transport: platform.transport, via: settings.via, source, ledger });
  await sender.start();
  const sampler = new ProcessSampler(watchedProcesses(target));
  const loadStart = loadavg();
  const commitsBefore = await committedTransactions(target.databaseUrl);
  const writesBefore = await tableWrites(target.databaseUrl);
  const startedAt = Date.now();
  observer.resetCounts(startedAt - 1);
  sampler.start();
  let phase = 'sending';
  const progress = setInterval(() => {
    const c = ledger.counts();
    const p99 = ledger.takeWindowP99();
    const seconds = Math.round((Date.now() - startedAt) / 1000);
    log(
      `[${settings.label} ${phase} ${seconds}s] sent ${c.sent} · accepted ${c.accepted} · instructed ${c.instructed} · completed ${c.completed} · ` +
        `settled ${c.settled} · in flight ${c.inFlight} · p99 → instructed (last 1 s, from intended) ${p99 === null ? '–' : `${p99} ms`}` +
        `${c.duplicates > 0 ? ` · DUPLICATES ${c.duplicates}` : ''} · load ${loadavg()[0].toFixed(2)}`,
    );
  }, 1000);
  let sentAll = 0;
  let lastSendAt = startedAt;
  try {
    sentAll =
      settings.rate === 'max'
        ? await runMaxRate({ durationMs: settings.durationMs, maxInFlight: settings.maxInFlight, inFlight: () => ledger.inFlight(), send: (slots) => sender.send(slots), shouldStop: () => sender.error !== undefined })
        : await runFixedRate({ rate: settings.rate, durationMs: settings.durationMs, send: (slots) => sender.send(slots), shouldStop: () => sender.error !== undefined });
    lastSendAt = Date.now();
    phase = 'draining';
    await sender.flush();
    const deadline = Date.now() + settings.drainTimeoutMs;
    while ((ledger.inFlight() > 0 || sender.pendingCancels > 0 || sender.backlog > 0) && Date.now() < deadline && sender.error === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // A little longer, until the platform is quiet: a duplicate would show up now.
    const quietBy = Date.now() + 5_000;
    while (Date.now() - observer.lastMessageAt < 1_000 && Date.now() < quietBy) await new Promise((resolve) => setTimeout(resolve, 100));
  } finally {
    clearInterval(progress);
    await sender.stop();
  }
  const processes = sampler.stop();
  const summary = ledger.summary();
  const sampledSeconds = (Date.now() - startedAt) / 1000 + 1.5;
  // PostgreSQL publishes a backend's counts within about a second of its commit.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const commitsAfter = await committedTransactions(target.databaseUrl);
  const writesAfter = await tableWrites(target.databaseUrl);
  const writesPerOrderByTable =
    writesBefore && writesAfter
      ? [...writesAfter.entries()]
          .map(([table, n]) => ({ table, rowsPerOrder: (n - (writesBefore.get(table) ?? 0)) / Math.max(1, summary.sent) }))
          .filter((w) => w.rowsPerOrder > 0)
          .sort((a, b) => b.rowsPerOrder - a.rowsPerOrder)
      : [];
  const databaseTransactions = commitsBefore !== null && commitsAfter !== null ? commitsAfter - commitsBefore : null;
  const drained = ledger.inFlight() === 0;
  const events = observer.counts();
  const settled = summary.sent - summary.outcomes.lost;
  const window = Math.max(0.001, ((summary.lastSettledAt > 0 ? summary.lastSettledAt : Date.now()) - summary.firstSentAt) / 1000);
  const eventWindow = Math.max(0.001, ((events.lastAt || Date.now()) - startedAt) / 1000);
  const failures: string[] = [];
  if (summary.outcomes.lost > 0) failures.push(`${summary.outcomes.lost} order(s) lost: no terminal state within the ${settings.drainTimeoutMs / 1000} s drain timeout (e.g. ${summary.lostExamples.slice(0, 3).join('; ')})`);
  if (summary.duplicates.length > 0) failures.push(`${summary.duplicates.length} duplicate(s): ${summary.duplicates.slice(0, 5).map((d) => `${d.kind} (order ${d.orderId}: ${d.detail})`).join('; ')}`);
  if (summary.outcomes.refused > 0) failures.push(`${summary.outcomes.refused} order(s) refused by the intake: ${[...sender.stats.refusals.entries()].map(([status, r]) => `${status} ×${r.count}, e.g. ${r.example}`).join('; ')}`);
  if (sender.error) failures.push(sender.error.message);
  if (observer.undecodable > 0) failures.push(`${observer.undecodable} message(s) the observer could not decode`);
  return {
    mode: target.mode,
    label: settings.label,
    via: settings.via,
    targetRate: settings.rate,
    durationMs: settings.durationMs,
    offeredPerSecond: sentAll / Math.max(0.001, (lastSendAt - startedAt) / 1000),
    sustainedOrdersPerSecond: settled / window,
    completedPerSecond: summary.outcomes.completed / window,
    eventsPerSecond: events.total / eventWindow,
    eventsPerOrder: summary.sent > 0 ? events.total / summary.sent : 0,
    databaseTransactions,
    writesPerOrderByTable,
    databaseTransactionsPerSecond: databaseTransactions === null ? null : databaseTransactions / sampledSeconds,
    cpuSecondsPerOrder: {
      platform: processes.filter((p) => !isInfrastructure(p.name) && p.name !== BENCH_PROCESS).reduce((sum, p) => sum + p.cpuSeconds, 0) / Math.max(1, settled),
      withInfrastructure: processes.filter((p) => p.name !== BENCH_PROCESS).reduce((sum, p) => sum + p.cpuSeconds, 0) / Math.max(1, settled),
    },
    events,
    ledger: summary,
    sender: { ...sender.stats, refusals: Object.fromEntries(sender.stats.refusals) },
    processes,
    drained,
    drainSeconds: ((summary.lastSettledAt > 0 ? Math.max(summary.lastSettledAt, lastSendAt) : Date.now()) - lastSendAt) / 1000,
    loadAverage: { start: loadStart, end: loadavg() },
    failures,
  };
}
