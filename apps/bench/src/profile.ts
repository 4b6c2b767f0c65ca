// CPU profiles (V8 .cpuprofile, as written by `node --cpu-prof` or the inspector's Profiler): self time per
// function, to name what the hottest process spends its time on.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
    readonly children?: readonly number[];
  }[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface HotFunction {
  /** `name (file:line)`; V8's "(garbage collector)", "(program)", "(idle)" as they are. */
  readonly name: string;
  readonly selfMs: number;
  /** Share of the profile's non-idle samples. */
  readonly selfPercent: number;
}

export interface ProfileSummary {
  readonly file: string;
  readonly durationMs: number;
  /** Time not idle. */
  readonly busyMs: number;
  readonly top: readonly HotFunction[];
  /** Self time by area (node internals, kafkajs, typeorm/pg, avsc, nest, switchyard code, GC...). */
  readonly byArea: readonly { readonly area: string; readonly selfMs: number; readonly selfPercent: number }[];
}

function shortUrl(url: string): string {
  if (url === '') return '';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const marker = ['/libs/', '/services/', '/apps/'].map((m) => url.indexOf(m)).filter((i) => i >= 0);
  if (marker.length > 0) return url.slice(Math.min(...marker) + 1);
  return url.replace(/^file:\/\//, '');
}

/** Which part of the stack a function belongs to, for the by-area table. */
export function areaOf(functionName: string, url: string): string {
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === '(program)') return 'V8 / native (program)';
  if (functionName === '(idle)') return 'idle';
  const u = url.replace(/\\/g, '/');
  if (u.startsWith('wasm://')) return 'PGlite (PostgreSQL compiled to WebAssembly)';
  if (u === '' || u.startsWith('node:')) return 'node internals (net, streams, timers, crypto...)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u)?.[1];
  if (pkg) {
    if (pkg === 'kafkajs') return 'kafkajs';
    if (pkg.startsWith('@electric-sql')) return 'PGlite (PostgreSQL compiled to WebAssembly)';
    if (pkg === 'pg' || pkg.startsWith('pg-') || pkg === 'typeorm') return 'PostgreSQL client (pg, typeorm)';
    if (pkg === 'avsc') return 'avsc (Avro)';
    if (pkg.startsWith('@nestjs') || pkg === 'express' || pkg === 'body-parser' || pkg === 'router' || pkg === 'rxjs') return 'NestJS / express / rxjs';
    if (pkg.startsWith('@opentelemetry')) return 'OpenTelemetry';
    if (pkg.startsWith('@swc') || pkg === 'tsx' || pkg === 'esbuild' || pkg === 'source-map-support') return 'TypeScript loader';
    return `other packages (${pkg} ...)`;
  }
  const own = /\/(libs|services|apps)\/([^/]+)\//.exec(u);
  if (own) return `switchyard ${own[1]}/${own[2]}`;
  return 'other';
}

export function summariseProfile(profile: CpuProfile, file: string, topN = 15): ProfileSummary {
  const selfMicros = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  // timeDeltas[i] is the time before sample i; the time a sample stands for is the gap to the next one.
  for (let i = 0; i < samples.length; i++) {
    const micros = i + 1 < deltas.length ? deltas[i + 1] : 0;
    selfMicros.set(samples[i], (selfMicros.get(samples[i]) ?? 0) + Math.max(0, micros));
  }
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  let idle = 0;
  let total = 0;
  for (const node of profile.nodes) {
    const micros = selfMicros.get(node.id) ?? 0;
    if (micros === 0) continue;
    total += micros;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idle += micros;
      continue;
    }
    const name = url ? `${functionName || '(anonymous)'} (${shortUrl(url)}:${lineNumber + 1})` : functionName || '(anonymous)';
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
    const area = areaOf(functionName, url);
    byArea.set(area, (byArea.get(area) ?? 0) + micros);
  }
  const busy = Math.max(1, total - idle);
  const rank = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]);
  return {
    file,
    durationMs: (profile.endTime - profile.startTime) / 1000,
    busyMs: busy / 1000,
    top: rank(byFunction)
      .slice(0, topN)
      .map(([name, micros]) => ({ name, selfMs: micros / 1000, selfPercent: (micros / busy) * 100 })),
    byArea: rank(byArea).map(([area, micros]) => ({ area, selfMs: micros / 1000, selfPercent: (micros / busy) * 100 })),
  };
}

/** The .cpuprofile files `node --cpu-prof` wrote for `pid` in `dir` (named CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile). */
export function profilesOf(dir: string, pid: number): string[] {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return [];
  }
  return files.filter((f) => f.endsWith('.cpuprofile') && f.split('.')[3] === String(pid)).map((f) => path.join(dir, f));
}

export function readProfile(file: string): CpuProfile {
  return JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
}
