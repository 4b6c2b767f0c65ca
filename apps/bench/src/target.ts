// What the bench runs against: the platform, started with `startPlatform` in either mode, on a fresh database
// and (Kafka) a fresh topic namespace, without demo traffic. The bench needs only the `Platform` contract.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '@switchyard/infra';
import { startPlatform, type RunningPlatform } from '@switchyard/platform';
import type { BenchMode } from './args';
import { demoNetwork } from './demo';

export interface BenchTarget {
  readonly mode: BenchMode;
  readonly platform: RunningPlatform;
  /** The platform's database (Kafka mode: a fresh database of the local PostgreSQL; embedded: PGlite's socket). */
  readonly databaseUrl: string;
  /** Topic namespace (Kafka mode) for the record. */
  readonly namespace: string | null;
  readonly locationIds: readonly string[];
  readonly carrierIds: readonly string[];
  stop(): Promise<void>;
}

export interface TargetOptions {
  readonly mode: BenchMode;
  readonly dispatchDelayMs: number;
  /** Run the platform's Node processes under `--cpu-prof` into this folder (Kafka mode: the service processes). */
  readonly cpuProfDir: string | null;
  readonly log: (line: string) => void;
}

/** Starts the platform for one bench run: its own data folder (embedded) or database and topic namespace (Kafka). */
export async function startTarget(options: TargetOptions): Promise<BenchTarget> {
  const dataDir = mkdtempSync(path.join(tmpdir(), `switchyard-bench-${options.mode}-`));
  let database: TestDatabase | undefined;
  const namespace = options.mode === 'kafka' ? `bench-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}` : null;
  const saved = { TOPIC_NAMESPACE: process.env['TOPIC_NAMESPACE'], NODE_OPTIONS: process.env['NODE_OPTIONS'], LOG_LEVEL: process.env['LOG_LEVEL'], BENCH_CPU_PROF_DIR: process.env['BENCH_CPU_PROF_DIR'] };
  const logLines: string[] = [];
  try {
    if (options.mode === 'kafka') {
      database = await createTestDatabase(`bench ${options.mode}`);
      process.env['TOPIC_NAMESPACE'] = namespace as string;
      if (options.cpuProfDir) {
        // Children inherit the environment: every service process profiles itself and writes the profile when it
        // exits (Node 20 does not take --cpu-prof from NODE_OPTIONS, so a preloaded module does what it would).
        process.env['NODE_OPTIONS'] = `${saved.NODE_OPTIONS ?? ''} --require ${path.resolve(__dirname, '../bin/cpu-profile-preload.js')}`.trim();
        process.env['BENCH_CPU_PROF_DIR'] = path.resolve(options.cpuProfDir);
      }
    }
    process.env['LOG_LEVEL'] = saved.LOG_LEVEL ?? 'warn';
    const platform = await startPlatform({
      mode: options.mode,
      dataDir,
      databaseUrl: database?.url,
      port: 0,
      demoTraffic: false,
      dispatchDelayMs: options.dispatchDelayMs,
      writeLog: (line) => {
        // Keep the platform's log out of the progress display; warnings and errors are shown.
        logLines.push(line);
        if (logLines.length > 2_000) logLines.splice(0, 1_000);
        if (/"level":\s*"(error|fatal)"/.test(line)) options.log(`platform: ${line.slice(0, 400)}`);
      },
    });
    return {
      mode: options.mode,
      platform,
      databaseUrl: platform.databaseUrl,
      namespace,
      locationIds: demoNetwork.locations.map((l) => l.id),
      carrierIds: demoNetwork.carriers.map((c) => c.carrierId),
      stop: async () => {
        try {
          await platform.stop();
        } finally {
          await database?.drop().catch(() => undefined);
          rmSync(dataDir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    await database?.drop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
    const tail = logLines.slice(-20).join('\n');
    throw new Error(`The platform (${options.mode} mode) did not start: ${(error as Error).message}${tail ? `\nIts last log lines:\n${tail}` : ''}`);
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/**
 * Black Friday stock: every (SKU, location) the demo stocks at a DC or the 3PL is counted up to `units`, through
 * the warehouse simulator (a cycle count, as a warehouse would report it), so the run measures the flow and not
 * the stock running out. Stores keep their few units; the out-of-stock SKUs stay out of stock.
 */
export async function restock(target: BenchTarget, units: number): Promise<number> {
  const { platform } = target;
  const simulator = platform.serviceUrls['warehouse-simulator'];
  if (!simulator) throw new Error(`The platform has no warehouse-simulator URL (serviceUrls: ${Object.keys(platform.serviceUrls).join(', ')})`);
  const bulk = new Set(demoNetwork.locations.filter((l) => l.kind !== 'store').map((l) => l.id));
  const pairs = Object.entries(demoNetwork.stock)
    .filter(([locationId]) => bulk.has(locationId))
    .flatMap(([locationId, skus]) => Object.keys(skus).map((sku) => ({ locationId, sku })));
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < pairs.length) {
        const pair = pairs[next++];
        const response = await fetch(`${simulator}/v1/stock`, {
          method: 'POST',
          headers: { authorization: `Bearer ${platform.operatorKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ ...pair, onHand: units, reference: 'bench restock' }),
        });
        if (!response.ok) throw new Error(`Restocking ${pair.sku} at ${pair.locationId}: the warehouse simulator answered ${response.status} ${await response.text()}`);
      }
    }),
  );
  return pairs.length;
}
