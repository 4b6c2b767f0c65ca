/**
 * `npm run infra:up | infra:down | infra:status | infra:fetch`: the same Kafka and PostgreSQL the tests use,
 * for people; `fetch` only downloads the broker's jars (CI does it before the tests).
 * `up` prints export lines on stdout (progress goes to stderr), so `eval "$(npm run -s infra:up)"` works.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InfrastructureUnavailableError } from './errors';
import { ensureKafkaJars } from './kafka/local-broker';
import { provideKafka, type KafkaSource } from './kafka/provide-kafka';
import { waitForKafka } from './kafka/wait-for-kafka';
import { stderrLog } from './log';
import { checkPostgres, databaseUrl, ensureDatabase, redactUrl } from './postgres';
import { isAlive, runCommand, terminate } from './process';
import { cacheDir } from './workspace';

interface InfraState {
  readonly source: KafkaSource;
  readonly brokers: string[];
  readonly databaseUrl: string;
  readonly pid?: number;
  readonly runDir?: string;
  readonly logFile?: string;
  readonly containerId?: string;
  readonly startedAt: string;
}

const PLATFORM_DATABASE = 'switchyard';
const stateFile = (): string => cacheDir('infra', 'state.json');

function readState(): InfraState | undefined {
  if (!existsSync(stateFile())) return undefined;
  return JSON.parse(readFileSync(stateFile(), 'utf8')) as InfraState;
}

function stillRunning(state: InfraState): boolean {
  if (state.source === 'local-jars') return state.pid !== undefined && isAlive(state.pid);
  if (state.source === 'container') {
    const inspect = runCommand('docker', ['inspect', '-f', '{{.State.Running}}', state.containerId ?? ''], { timeoutMs: 30_000 });
    return inspect.status === 0 && inspect.output.trim() === 'true';
  }
  return true;
}

function printExports(state: InfraState): void {
  process.stdout.write(`export KAFKA_BROKERS=${state.brokers.join(',')}\nexport DATABASE_URL=${state.databaseUrl}\n`);
  stderrLog(`Kafka (${state.source}): ${state.brokers.join(',')}${state.logFile ? `  log: ${state.logFile}` : ''}`);
  stderrLog(`PostgreSQL: ${redactUrl(state.databaseUrl)}`);
}

async function up(): Promise<void> {
  const existing = readState();
  if (existing && stillRunning(existing)) {
    stderrLog('already running (npm run infra:down stops it)');
    printExports(existing);
    return;
  }
  const adminUrl = databaseUrl();
  stderrLog(`PostgreSQL ${await checkPostgres(adminUrl)} at ${redactUrl(adminUrl)}`);
  const platformUrl = await ensureDatabase(PLATFORM_DATABASE, adminUrl);
  // The broker must outlive this command: no Testcontainers reaper, a detached JVM.
  process.env['TESTCONTAINERS_RYUK_DISABLED'] = 'true';
  const kafka = await provideKafka({ detached: true });
  const state: InfraState = {
    source: kafka.source,
    brokers: kafka.brokers,
    databaseUrl: platformUrl,
    pid: kafka.pid,
    runDir: kafka.runDir,
    logFile: kafka.logFile,
    containerId: kafka.containerId,
    startedAt: new Date().toISOString(),
  };
  mkdirSync(path.dirname(stateFile()), { recursive: true });
  writeFileSync(stateFile(), `${JSON.stringify(state, null, 2)}\n`);
  printExports(state);
}

async function down(): Promise<void> {
  const state = readState();
  if (!state) {
    stderrLog('nothing to stop (no infrastructure was started by infra:up)');
    return;
  }
  if (state.source === 'local-jars' && state.pid !== undefined) {
    stderrLog(`stopping the Kafka broker (pid ${state.pid}) ...`);
    await terminate(state.pid);
    if (state.runDir) rmSync(state.runDir, { recursive: true, force: true });
  } else if (state.source === 'container' && state.containerId) {
    stderrLog(`removing the Kafka container ${state.containerId.slice(0, 12)} ...`);
    runCommand('docker', ['rm', '-f', state.containerId], { timeoutMs: 60_000 });
  }
  rmSync(stateFile(), { force: true });
  stderrLog(`stopped. PostgreSQL is left running; its "${PLATFORM_DATABASE}" database is kept.`);
}

async function status(): Promise<void> {
  const state = readState();
  if (!state) {
    stderrLog('not started (npm run infra:up starts it)');
    process.exitCode = 1;
    return;
  }
  const running = stillRunning(state);
  if (running) await waitForKafka(state.brokers, { timeoutMs: 10_000 });
  stderrLog(`Kafka (${state.source}) ${running ? 'answering' : 'NOT running'} since ${state.startedAt}`);
  printExports(state);
  if (!running) process.exitCode = 1;
}

async function fetch(): Promise<void> {
  stderrLog(`Kafka jars in ${await ensureKafkaJars()}`);
}

const commands: Record<string, () => Promise<void>> = { up, down, status, fetch };

async function main(): Promise<void> {
  const name = process.argv[2] ?? '';
  const command = commands[name];
  if (!command) {
    process.stderr.write(`usage: infra <up|down|status|fetch>\n  got "${name}"\n`);
    process.exitCode = 2;
    return;
  }
  await command();
}

main().catch((error: unknown) => {
  const message = error instanceof InfrastructureUnavailableError ? error.message : (error as Error).stack ?? String(error);
  stderrLog(`error: ${message}`);
  process.exitCode = 1;
});
