import { createWriteStream, existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DataDirInUseError, lockDataDir } from './embedded-postgres';
import { DEFAULT_DATA_DIR, DEFAULT_KAFKA_DATA_DIR, DEFAULT_PORT, startPlatform, type RunningPlatform } from './platform';
import type { PlatformMode } from './platform.types';
import { formatProgress } from './progress';

const HELP = `Switchyard: the whole order orchestration platform with a demo network and live demo traffic.

  npm start [-- options]            every service in one process, embedded transport and database
  npm run start:kafka [-- options]  every service its own process, on Kafka and the local PostgreSQL

Options:
  --kafka                 the distributed mode (what start:kafka does)
  --no-demo               no demo traffic (the demo network and channels are still set up)
  --rate <orders/s>       demo traffic rate, 0.1–500 (default 2)
  --port <port>           port of the API front door, 0 for any free one (default $PORT or ${DEFAULT_PORT})
  --data-dir <folder>     embedded database, demo keys, mail and logs (default $SWITCHYARD_DATA_DIR, or
                          ${DEFAULT_DATA_DIR}; ${DEFAULT_KAFKA_DATA_DIR} with --kafka)
  --dispatch-delay <ms>   how long the simulated warehouses take to ship (default 4000)
  --reset                 delete the data folder first (every order and key is lost)
  --progress-every <s>    seconds between progress lines (default 5)
  -h, --help              this text

Environment: DATABASE_URL (use this PostgreSQL instead of the embedded one), KAFKA_BROKERS (use this Kafka in
--kafka mode instead of starting the local broker), SMTP_URL and MAIL_FROM (send customer email for real instead
of keeping it in <data-dir>/mail), LOG_LEVEL, TOPIC_NAMESPACE.`;

class UsageError extends Error {}

interface CliOptions {
  readonly mode: PlatformMode;
  readonly demo: boolean;
  readonly rate: number;
  readonly port: number;
  readonly dataDir: string;
  readonly dispatchDelayMs: number;
  readonly reset: boolean;
  readonly progressEverySeconds: number;
}

function number(name: string, text: string | undefined, fallback: number, min: number, max: number, integer: boolean): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new UsageError(`${name} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}; got "${text}"`);
  }
  return value;
}

export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv): CliOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        kafka: { type: 'boolean', default: false },
        'no-demo': { type: 'boolean', default: false },
        rate: { type: 'string' },
        port: { type: 'string' },
        'data-dir': { type: 'string' },
        'dispatch-delay': { type: 'string' },
        reset: { type: 'boolean', default: false },
        'progress-every': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values;
  if (v.help) return 'help';
  return {
    mode: v.kafka ? 'kafka' : 'embedded',
    demo: !v['no-demo'],
    rate: number('--rate', v.rate, 2, 0.1, 500, false),
    port: number('--port', v.port ?? env['PORT'], DEFAULT_PORT, 0, 65_535, true),
    dataDir: path.resolve(v['data-dir'] ?? env['SWITCHYARD_DATA_DIR'] ?? (v.kafka ? DEFAULT_KAFKA_DATA_DIR : DEFAULT_DATA_DIR)),
    dispatchDelayMs: number('--dispatch-delay', v['dispatch-delay'], 4_000, 0, 3_600_000, true),
    reset: v.reset ?? false,
    progressEverySeconds: number('--progress-every', v['progress-every'], 5, 1, 3_600, false),
  };
}

/** Keeps every JSON log line in the log file; warnings and errors also go to the terminal, one short line each. */
function logWriter(file: string): { write: (line: string) => void; close: () => Promise<void> } {
  const stream = createWriteStream(file, { flags: 'a', mode: 0o600 });
  return {
    write: (line) => {
      stream.write(`${line}\n`);
      if (!line.startsWith('{')) return;
      try {
        const entry = JSON.parse(line) as { level?: string; service?: string; message?: string; error?: string };
        if (entry.level === 'warn' || entry.level === 'error') {
          process.stderr.write(`[${entry.service ?? 'platform'}] ${entry.level}: ${entry.message ?? ''}${entry.error ? ` (${entry.error})` : ''}\n`);
        }
      } catch {
        // Not JSON after all: kept in the file only.
      }
    },
    close: () => new Promise((resolve) => stream.end(() => resolve())),
  };
}

function banner(platform: RunningPlatform, options: CliOptions, logFile: string): string {
  const rows: string[] = [
    '',
    `Switchyard is running (${platform.mode === 'embedded' ? 'embedded: every service in this process' : `distributed: ${platform.processes().length} processes on Kafka ${platform.kafkaBrokers?.join(',')}`}; pid ${process.pid}).`,
    '',
    `  API       ${platform.apiUrl}/v1/orders`,
    `  health    ${platform.apiUrl}/health`,
    `  OpenAPI   ${platform.apiUrl}/openapi.json`,
    `  services  ${platform.apiUrl}/<service>/... (${Object.keys(platform.serviceUrls).join(', ')})`,
    '',
    '  demo channel API keys (send as "Authorization: Bearer <key>"):',
    ...platform.channels.map((c) => `    channel ${c.channelId.padEnd(12)} key ${c.apiKey}`),
    `  operator key  ${platform.operatorKey}`,
    '',
    `  data      ${platform.dataDir}${options.mode === 'embedded' && !process.env['DATABASE_URL'] ? ' (embedded PostgreSQL, demo keys, mail)' : ''}`,
    `  logs      ${logFile}`,
    ...(platform.mail ? [`  mail      ${platform.mail.folder} (customer emails as .eml files)`] : []),
    `  demo      ${options.demo ? `traffic on, ${options.rate} orders/s (--no-demo turns it off)` : 'traffic off'}`,
    '',
    'Try it (README.md, "Quick start", has an order to send):',
    `  curl -s ${platform.apiUrl}/v1/orders/<orderId> -H "Authorization: Bearer <the web key>"`,
    '',
    platform.continuesAfterRestart
      ? 'Ctrl-C stops it; starting it again continues where it stopped.'
      : 'Ctrl-C stops it. Its Kafka broker lives only as long as this run, so the next start begins afresh; run `eval "$(npm run -s infra:up)"` first to keep a broker (and the database "switchyard") between starts.',
    '',
  ];
  return rows.join('\n');
}

export async function main(): Promise<void> {
  let options: CliOptions | 'help';
  try {
    options = parseCli(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${HELP}\n`);
    process.exit(2);
  }
  if (options === 'help') {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  if (options.reset && existsSync(options.dataDir)) {
    // Never under a running platform: the lock names it (DataDirInUseError) instead of deleting its files.
    try {
      lockDataDir(options.dataDir)();
    } catch (error) {
      process.stderr.write(`--reset refused: ${(error as Error).message}\n`);
      process.exit(1);
    }
    rmSync(options.dataDir, { recursive: true, force: true });
  }
  const logFile = path.join(options.dataDir, 'platform.log');
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const log = logWriter(logFile);
  process.stdout.write(`Starting Switchyard (${options.mode}) in ${options.dataDir} …\n`);
  const startedAt = Date.now();
  let platform: RunningPlatform;
  try {
    platform = await startPlatform({
      mode: options.mode,
      dataDir: options.dataDir,
      databaseUrl: process.env['DATABASE_URL'] && options.mode === 'embedded' ? process.env['DATABASE_URL'] : undefined,
      port: options.port,
      demoTraffic: options.demo,
      demoRatePerSecond: options.rate,
      dispatchDelayMs: options.dispatchDelayMs,
      writeLog: log.write,
    });
  } catch (error) {
    const message = error instanceof DataDirInUseError ? error.message : ((error as Error).stack ?? String(error));
    process.stderr.write(`Switchyard did not start: ${message}\n(log: ${logFile})\n`);
    await log.close();
    process.exit(1);
  }
  process.stdout.write(`${banner(platform, options, logFile)}\nready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s\n`);

  const timer = setInterval(() => {
    const traffic = platform.traffic?.stats();
    const sent = traffic ? ` | demo sent ${traffic.sent}, refused ${traffic.refused}, cancels ${traffic.cancelsAccepted}` : '';
    const mail = platform.mail ? ` | emails ${platform.mail.received()}` : '';
    process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${formatProgress(platform.progress.snapshot())}${sent}${mail}\n`);
  }, options.progressEverySeconds * 1_000);

  let firstSignalAt: number | undefined;
  const stop = (signal: NodeJS.Signals): void => {
    if (firstSignalAt !== undefined) {
      // npm passes a Ctrl-C on to its child, which the terminal has signalled too: one press arrives twice.
      if (Date.now() - firstSignalAt < 1_500) return;
      process.stderr.write(`${signal} again: exiting without draining\n`);
      process.exit(1);
    }
    firstSignalAt = Date.now();
    clearInterval(timer);
    process.stdout.write(`\n${signal}: draining (in-flight work is finished or kept for the next start) …\n`);
    const deadline = setTimeout(() => {
      process.stderr.write('drain did not finish within 60 s; exiting\n');
      process.exit(1);
    }, 60_000);
    deadline.unref();
    platform.stop().then(
      async () => {
        process.stdout.write(`${formatProgress(platform.progress.snapshot())}\nstopped.\n`);
        await log.close();
        process.exit(0);
      },
      async (error: Error) => {
        process.stderr.write(`stop failed: ${error.message}\n`);
        await log.close();
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}


