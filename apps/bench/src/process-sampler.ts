// CPU and memory per process, from /proc (Linux): user + system CPU seconds (fields 14 and 15 of
// /proc/<pid>/stat, in clock ticks) and the resident set (VmRSS of /proc/<pid>/status), sampled every second.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface WatchedProcess {
  readonly name: string;
  /** One or more pids whose figures are added up (e.g. PostgreSQL's backends). */
  readonly pids: () => readonly number[];
}

export interface ProcessFigures {
  readonly name: string;
  readonly pids: readonly number[];
  /** CPU seconds (user + system) during the window. */
  readonly cpuSeconds: number;
  /** Mean CPU over the window, % of one core. */
  readonly cpuPercent: number;
  /** Highest one-second CPU, % of one core. */
  readonly peakCpuPercent: number;
  readonly meanRssMb: number;
  readonly peakRssMb: number;
}

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** User + system CPU seconds of a process so far, or undefined when it is gone. */
export function readCpuSeconds(pid: number): number | undefined {
  try {
    return parseStatCpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')) / ticksPerSecond();
  } catch {
    return undefined;
  }
}

/** utime + stime (clock ticks) from a /proc/<pid>/stat line; the command name may hold spaces and parentheses. */
export function parseStatCpuTicks(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  return Number(fields[11]) + Number(fields[12]);
}

/** Resident set in MB, or undefined when the process is gone. */
export function readRssMb(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Pids whose command line matches, e.g. the Kafka broker's JVM or PostgreSQL's processes. */
export function findPids(matches: (cmdline: string) => boolean): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (matches(cmdline)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

interface Track {
  readonly process: WatchedProcess;
  /** pid → CPU seconds at the previous sample. */
  last: Map<number, number>;
  cpuSeconds: number;
  peakCpuPercent: number;
  rssSum: number;
  rssSamples: number;
  peakRss: number;
  seen: Set<number>;
}

/** Samples the watched processes every `intervalMs` from `start()` to `stop()`. */
export class ProcessSampler {
  private readonly tracks: Track[];
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private lastAt = 0;
  private stoppedAt = 0;

  constructor(processes: readonly WatchedProcess[], private readonly intervalMs = 1000) {
    this.tracks = processes.map((process) => ({ process, last: new Map(), cpuSeconds: 0, peakCpuPercent: 0, rssSum: 0, rssSamples: 0, peakRss: 0, seen: new Set() }));
  }

  start(): void {
    this.startedAt = this.lastAt = Date.now();
    for (const track of this.tracks) {
      for (const pid of track.process.pids()) {
        const cpu = readCpuSeconds(pid);
        if (cpu !== undefined) track.last.set(pid, cpu);
      }
    }
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): ProcessFigures[] {
    if (this.timer) clearInterval(this.timer);
    this.sample();
    this.stoppedAt = Date.now();
    const seconds = Math.max(0.001, (this.stoppedAt - this.startedAt) / 1000);
    return this.tracks.map((t) => ({
      name: t.process.name,
      pids: [...t.seen],
      cpuSeconds: t.cpuSeconds,
      cpuPercent: (t.cpuSeconds / seconds) * 100,
      peakCpuPercent: t.peakCpuPercent,
      meanRssMb: t.rssSamples > 0 ? t.rssSum / t.rssSamples : 0,
      peakRssMb: t.peakRss,
    }));
  }

  private sample(): void {
    const now = Date.now();
    const interval = Math.max(0.001, (now - this.lastAt) / 1000);
    this.lastAt = now;
    for (const track of this.tracks) {
      let cpuDelta = 0;
      let rss = 0;
      const next = new Map<number, number>();
      for (const pid of track.process.pids()) {
        const cpu = readCpuSeconds(pid);
        if (cpu === undefined) continue;
        track.seen.add(pid);
        // A process that appeared since the last sample counts from its first sight.
        cpuDelta += cpu - (track.last.get(pid) ?? cpu);
        next.set(pid, cpu);
        rss += readRssMb(pid) ?? 0;
      }
      track.last = next;
      track.cpuSeconds += cpuDelta;
      track.peakCpuPercent = Math.max(track.peakCpuPercent, (cpuDelta / interval) * 100);
      if (rss > 0) {
        track.rssSum += rss;
        track.rssSamples++;
        track.peakRss = Math.max(track.peakRss, rss);
      }
    }
  }
}

/** The infrastructure the platform runs on, found by command line: the Kafka broker's JVM and PostgreSQL. */
export function infrastructureProcesses(): WatchedProcess[] {
  return [
    { name: 'kafka broker (JVM)', pids: () => findPids((c) => c.includes('kafka.Kafka') || c.includes('kafka.server.KafkaRaftServer')) },
    { name: 'postgresql (all processes)', pids: () => findPids((c) => c.startsWith('postgres') || /^\S*\/bin\/postgres\s/.test(c)) },
  ];
}
