// The printed table (Markdown, so it goes into docs/benchmarks.md as it is) and the JSON of the same figures.
import type { Ceilings } from './ceilings';
import { STAGES, type Stage } from './ledger';
import type { ProfileSummary } from './profile';
import type { IdleBaseline, RunResult } from './run';
import { formatNumber } from './stats';

export interface SweepStep {
  readonly rate: number;
  readonly result: RunResult;
  readonly passed: boolean;
  readonly why: string;
}

export interface ModeReport {
  readonly mode: string;
  readonly run: RunResult | null;
  /** The platform doing nothing, just before the measured run. */
  readonly idle: IdleBaseline | null;
  readonly sweep: { readonly boundMs: number; readonly steps: readonly SweepStep[]; readonly maxSustainableRate: number | null } | null;
  readonly ceilings: Ceilings | null;
  readonly profile: (ProfileSummary & { readonly process: string; readonly cpuPercent: number }) | null;
  readonly error: string | null;
}

export interface Ratio {
  readonly part: string;
  /** The part's ceiling in its own unit. */
  readonly ceiling: number;
  readonly unit: string;
  /** What the platform used of it. */
  readonly used: number;
  readonly usedUnit: string;
  /** used / ceiling. */
  readonly ratio: number;
  /** The ceiling expressed as orders/s at this run's events (or database transactions) per order. */
  readonly ordersPerSecondBound: number;
}

/** The platform's throughput as a share of each part's ceiling. */
export function ratios(run: RunResult, ceilings: Ceilings | null): Ratio[] {
  if (!ceilings) return [];
  const list: Ratio[] = [];
  const perOrder = Math.max(1, run.eventsPerOrder);
  if (ceilings.kafka) {
    list.push({ part: `raw kafkajs produce+consume (${ceilings.kafka.messageBytes}-byte messages)${run.mode === 'kafka' ? '' : '; not used by this mode'}`, ceiling: ceilings.kafka.messagesPerSecond, unit: 'messages/s', used: run.eventsPerSecond, usedUnit: 'events/s', ratio: run.eventsPerSecond / ceilings.kafka.messagesPerSecond, ordersPerSecondBound: ceilings.kafka.messagesPerSecond / perOrder });
  }
  // The database's share: the transactions the platform's database committed in the run when PostgreSQL can say
  // (read-only ones included), else one transaction per event.
  const txPerSecond = run.databaseTransactionsPerSecond ?? run.eventsPerSecond;
  const txPerOrder = run.databaseTransactions !== null && run.ledger.sent > 0 ? run.databaseTransactions / run.ledger.sent : perOrder;
  const txUnit = run.databaseTransactionsPerSecond !== null ? 'transactions/s' : 'events/s';
  if (ceilings.postgres && run.mode === 'kafka') {
    list.push({ part: `PostgreSQL outbox+inbox transactions (local PostgreSQL, ${ceilings.postgres.writers} connections)`, ceiling: ceilings.postgres.commitsPerSecond, unit: 'commits/s', used: txPerSecond, usedUnit: txUnit, ratio: txPerSecond / ceilings.postgres.commitsPerSecond, ordersPerSecondBound: ceilings.postgres.commitsPerSecond / txPerOrder });
  }
  if (ceilings.postgres && run.mode !== 'kafka') {
    list.push({ part: `PostgreSQL outbox+inbox transactions (local PostgreSQL, ${ceilings.postgres.writers} connections; not used by this mode)`, ceiling: ceilings.postgres.commitsPerSecond, unit: 'commits/s', used: txPerSecond, usedUnit: txUnit, ratio: txPerSecond / ceilings.postgres.commitsPerSecond, ordersPerSecondBound: ceilings.postgres.commitsPerSecond / txPerOrder });
  }
  if (ceilings.embeddedPostgres) {
    list.push({ part: `the same transaction on the embedded PGlite (${ceilings.embeddedPostgres.writers} connections)`, ceiling: ceilings.embeddedPostgres.commitsPerSecond, unit: 'commits/s', used: txPerSecond, usedUnit: txUnit, ratio: txPerSecond / ceilings.embeddedPostgres.commitsPerSecond, ordersPerSecondBound: ceilings.embeddedPostgres.commitsPerSecond / txPerOrder });
  }
  if (ceilings.routing) {
    list.push({ part: 'routing engine decisions (cost strategy, 1–10 lines, 50 locations)', ceiling: ceilings.routing.decisionsPerSecond, unit: 'decisions/s', used: run.sustainedOrdersPerSecond, usedUnit: 'orders/s', ratio: run.sustainedOrdersPerSecond / ceilings.routing.decisionsPerSecond, ordersPerSecondBound: ceilings.routing.decisionsPerSecond });
  }
  return list;
}

const ms = (n: number): string => formatNumber(n);
const pct = (n: number): string => `${formatNumber(n * 100, n < 0.1 ? 2 : 1)} %`;

function latencyRow(label: string, runs: readonly RunResult[], pick: (r: RunResult) => { p50: number; p90: number; p99: number; max: number; count: number }): string {
  return `| ${label} | ${runs.map((r) => { const s = pick(r); return s.count === 0 ? '–' : `${ms(s.p50)} / ${ms(s.p90)} / ${ms(s.p99)} / ${ms(s.max)}`; }).join(' | ')} |`;
}

/** The main table: one column per mode. */
export function formatRunTable(runs: readonly RunResult[]): string {
  if (runs.length === 0) return '';
  const lines: string[] = [];
  const row = (label: string, cell: (r: RunResult) => string) => lines.push(`| ${label} | ${runs.map(cell).join(' | ')} |`);
  lines.push(`| | ${runs.map((r) => r.mode).join(' | ')} |`);
  lines.push(`|---|${runs.map(() => '---:').join('|')}|`);
  row('offered load', (r) => `${r.targetRate === 'max' ? 'max' : `${formatNumber(r.targetRate)}/s`} for ${r.durationMs / 1000} s via ${r.via}`);
  row('orders sent (HTTP / topic)', (r) => `${formatNumber(r.ledger.sent)} (${formatNumber(r.sender.httpSent)} / ${formatNumber(r.sender.topicSent)})`);
  row('**sustained orders/s** (settled ÷ first send → last settled)', (r) => `**${formatNumber(r.sustainedOrdersPerSecond, 1)}**`);
  row('offered orders/s (send window)', (r) => formatNumber(r.offeredPerSecond, 1));
  const stage = (s: Stage) => (s === 'instructed' ? '**FulfilmentInstructed**' : s === 'completed' ? '**OrderCompleted**' : s === 'accepted' ? 'OrderAccepted' : 'OrderRouted');
  for (const s of STAGES) lines.push(latencyRow(`received → ${stage(s)}, ms p50 / p90 / p99 / max (from intended send)`, runs, (r) => r.ledger.latencies.fromIntended[s]));
  lines.push(latencyRow('received → FulfilmentInstructed, from actual send', runs, (r) => r.ledger.latencies.fromSent.instructed));
  lines.push(latencyRow('received → OrderCompleted, from actual send', runs, (r) => r.ledger.latencies.fromSent.completed));
  row('events/s (all topics)', (r) => formatNumber(r.eventsPerSecond, 0));
  row('events per order', (r) => formatNumber(r.eventsPerOrder, 1));
  row('database transactions/s (per order)', (r) => (r.databaseTransactionsPerSecond === null || r.databaseTransactions === null ? 'n/a' : `${formatNumber(r.databaseTransactionsPerSecond)} (${formatNumber(r.databaseTransactions / Math.max(1, r.ledger.sent), 1)})`));
  row('**CPU seconds per order**: platform / with Kafka + PostgreSQL', (r) => `**${formatNumber(r.cpuSecondsPerOrder.platform, 3)}** / ${formatNumber(r.cpuSecondsPerOrder.withInfrastructure, 3)}`);
  row('detours: unroutable / held / released', (r) => `${r.events.byType['OrderUnroutable'] ?? 0} / ${r.events.byType['OrderHeld'] ?? 0} / ${r.events.byType['OrderReleased'] ?? 0}`);
  row('dead-lettered messages', (r) => { const d = Object.entries(r.events.deadLettered); return d.length === 0 ? '0' : d.map(([t, n]) => `${n} on ${t}`).join(', '); });
  row('completed / rejected / cancelled / parked (held)', (r) => `${r.ledger.outcomes.completed} / ${r.ledger.outcomes.rejected} / ${r.ledger.outcomes.cancelled} / ${r.ledger.outcomes.parked}`);
  row('**lost / duplicated / refused**', (r) => `**${r.ledger.outcomes.lost} / ${r.ledger.duplicates.length} / ${r.ledger.outcomes.refused}**`);
  row('every order reached a terminal state once', (r) => (r.failures.length === 0 ? 'yes' : '**NO**'));
  row('cancellations asked / taken / refused (already done)', (r) => `${r.sender.cancelsRequested} / ${r.sender.cancelsAccepted} / ${r.sender.cancelsRefused}`);
  row('redelivered events (same event id again)', (r) => String(r.ledger.redelivered));
  row('drain after last send', (r) => `${formatNumber(r.drainSeconds, 1)} s${r.drained ? '' : ' (timed out)'}`);
  row('load average start → end', (r) => `${r.loadAverage.start[0].toFixed(2)} → ${r.loadAverage.end[0].toFixed(2)}`);
  return lines.join('\n');
}

export function formatProcessTable(run: RunResult): string {
  const lines = [`| process (${run.mode}) | CPU s | CPU % of a core (mean / peak 1 s) | RSS MB (mean / peak) |`, '|---|---:|---:|---:|'];
  const sorted = [...run.processes].sort((a, b) => b.cpuSeconds - a.cpuSeconds);
  for (const p of sorted) {
    lines.push(`| ${p.name} | ${formatNumber(p.cpuSeconds, 1)} | ${formatNumber(p.cpuPercent, 0)} / ${formatNumber(p.peakCpuPercent, 0)} | ${formatNumber(p.meanRssMb, 0)} / ${formatNumber(p.peakRssMb, 0)} |`);
  }
  const total = run.processes.reduce((sum, p) => sum + p.cpuSeconds, 0);
  const seconds = run.processes.length > 0 && run.processes[0].cpuPercent > 0 ? (run.processes[0].cpuSeconds / run.processes[0].cpuPercent) * 100 : 0;
  if (seconds > 0) lines.push(`| all of the above | ${formatNumber(total, 1)} | ${formatNumber((total / seconds) * 100, 0)} (of ${formatNumber(200, 0)} on 2 cores) | |`);
  return lines.join('\n');
}

export function formatCeilings(run: RunResult, ceilings: Ceilings | null): string {
  const list = ratios(run, ceilings);
  if (list.length === 0) return '';
  const lines = [
    `| part (ceiling measured in this run) | ceiling | platform used (${run.mode}) | share of ceiling | ceiling as orders/s (at ${formatNumber(run.eventsPerOrder, 1)} events${run.databaseTransactions !== null ? ` and ${formatNumber(run.databaseTransactions / Math.max(1, run.ledger.sent), 1)} database transactions` : ''} per order) |`,
    '|---|---:|---:|---:|---:|',
  ];
  for (const r of list) lines.push(`| ${r.part} | ${formatNumber(r.ceiling)} ${r.unit} | ${formatNumber(r.used)} ${r.usedUnit} | ${pct(r.ratio)} | ${formatNumber(r.ordersPerSecondBound)} |`);
  return lines.join('\n');
}

export function formatSweep(report: NonNullable<ModeReport['sweep']>, mode: string): string {
  const lines = [
    `Sweep (${mode}): p99 received → FulfilmentInstructed (from intended send) must stay ≤ ${formatNumber(report.boundMs)} ms, nothing lost.`,
    '| rate | offered/s | sustained orders/s | p99 → instructed ms | p99 → completed ms | lost / dup | verdict |',
    '|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const step of report.steps) {
    const r = step.result;
    lines.push(
      `| ${formatNumber(step.rate, 1)} | ${formatNumber(r.offeredPerSecond, 1)} | ${formatNumber(r.sustainedOrdersPerSecond, 1)} | ${ms(r.ledger.latencies.fromIntended.instructed.p99)} | ${ms(r.ledger.latencies.fromIntended.completed.p99)} | ${r.ledger.outcomes.lost} / ${r.ledger.duplicates.length} | ${step.passed ? 'ok' : step.why} |`,
    );
  }
  lines.push('');
  lines.push(`**Maximum sustainable rate (${mode}): ${report.maxSustainableRate === null ? 'none of the rates tried' : `${formatNumber(report.maxSustainableRate, 1)} orders/s`}**`);
  return lines.join('\n');
}

export function formatProfile(profile: NonNullable<ModeReport['profile']>): string {
  const lines = [
    `CPU profile of the hottest platform process, ${profile.process} (${formatNumber(profile.cpuPercent, 0)} % of a core in the run; profile ${formatNumber(profile.durationMs / 1000, 1)} s, busy ${formatNumber(profile.busyMs / 1000, 1)} s): ${profile.file}`,
    '',
    '| self time by area | ms | share of busy |',
    '|---|---:|---:|',
    ...profile.byArea.slice(0, 10).map((a) => `| ${a.area} | ${formatNumber(a.selfMs)} | ${formatNumber(a.selfPercent, 1)} % |`),
    '',
    '| top functions by self time | ms | share of busy |',
    '|---|---:|---:|',
    ...profile.top.map((f) => `| \`${f.name.replace(/\|/g, '\\|')}\` | ${formatNumber(f.selfMs)} | ${formatNumber(f.selfPercent, 1)} % |`),
  ];
  return lines.join('\n');
}

/** Which part is closest to its ceiling, and which process burns the most CPU. */
export function bottleneck(run: RunResult, ceilings: Ceilings | null): string {
  const list = ratios(run, ceilings).sort((a, b) => b.ratio - a.ratio);
  const hottest = [...run.processes].sort((a, b) => b.cpuSeconds - a.cpuSeconds)[0];
  const parts: string[] = [];
  if (hottest) parts.push(`hottest process: ${hottest.name} at ${formatNumber(hottest.cpuPercent, 0)} % of a core (peak ${formatNumber(hottest.peakCpuPercent, 0)} %)`);
  if (list[0]) parts.push(`closest part to its ceiling: ${list[0].part} at ${pct(list[0].ratio)}`);
  return parts.join('; ');
}

export function formatTableWrites(run: RunResult, top = 12): string {
  if (run.writesPerOrderByTable.length === 0) return '';
  const total = run.writesPerOrderByTable.reduce((sum, w) => sum + w.rowsPerOrder, 0);
  return [
    `| table (${run.mode}; rows inserted + updated + deleted per order, pg_stat_user_tables) | rows/order |`,
    '|---|---:|',
    ...run.writesPerOrderByTable.slice(0, top).map((w) => `| ${w.table} | ${formatNumber(w.rowsPerOrder, 1)} |`),
    `| all ${run.writesPerOrderByTable.length} tables | ${formatNumber(total, 1)} |`,
  ].join('\n');
}

/** The idle cost and what an order costs above it. */
export function formatIdle(run: RunResult, idle: IdleBaseline | null): string {
  if (!idle) return '';
  const seconds = run.processes.length > 0 && run.processes[0].cpuPercent > 0 ? (run.processes[0].cpuSeconds / run.processes[0].cpuPercent) * 100 : 0;
  const orders = Math.max(1, run.ledger.sent - run.ledger.outcomes.lost);
  const marginalCpu = seconds > 0 ? (run.cpuSecondsPerOrder.platform * orders - (idle.platformCpuPercent / 100) * seconds) / orders : null;
  const tx = idle.databaseTransactionsPerSecond;
  const marginalTx = tx !== null && run.databaseTransactions !== null && run.databaseTransactionsPerSecond !== null ? (run.databaseTransactions - tx * (run.databaseTransactions / run.databaseTransactionsPerSecond)) / orders : null;
  return [
    `Idle (${run.mode}, ${formatNumber(idle.seconds, 0)} s with no orders): the platform's processes use ${formatNumber(idle.platformCpuPercent, 0)} % of a core (${formatNumber(idle.withInfrastructureCpuPercent, 0)} % with Kafka and PostgreSQL)` +
      `${tx !== null ? ` and commit ${formatNumber(tx)} database transactions/s` : ''}.`,
    `Above idle, an order costs ${marginalCpu !== null ? `${formatNumber(marginalCpu, 3)} CPU seconds in the platform's processes` : 'an unknown CPU time'}${marginalTx !== null ? ` and ${formatNumber(marginalTx, 1)} database transactions` : ''}.`,
  ].join('\n');
}

export function formatFailures(run: RunResult): string {
  return run.failures.length === 0 ? `${run.mode}: every order reached a terminal state exactly once.` : `${run.mode}: FAILED —\n${run.failures.map((f) => `  - ${f}`).join('\n')}`;
}
