// One measured run: a rate (or as fast as possible) for a duration through the intake, every order followed to
// a terminal state, CPU and memory sampled, then drained and checked for lost and duplicated orders.
import { loadavg } from 'node:os';
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

/** Holds the ledger the observer feeds, so one observer can serve several runs (a sweep). */
export class LedgerHolder {
  current = new OrderLedger();
}

export function watchedProcesses(target: BenchTarget): WatchedProcess[] {
  const own = target.platform.processes();
  const platform: WatchedProcess[] = own.map((p) =>
    p.pid === process.pid
      ? { name: `${p.name} (this process: the embedded platform + the bench's load generator and observer)`, pids: () => [p.pid] }
      : { name: p.name, pids: () => [p.pid] },
  );
  if (!own.some((p) => p.pid === process.pid)) platform.push({ name: 'bench (load generator + observer)', pids: () => [process.pid] });
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
  const drained = ledger.inFlight() === 0;
  const summary = ledger.summary();
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
