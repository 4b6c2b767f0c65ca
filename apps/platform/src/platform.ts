import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_DATABASE_URL, ensureDatabase, provideKafka, recreateDatabase, type ProvidedKafka } from '@switchyard/infra';
import { createEmbeddedTransport, createKafkaTransport, embeddedTransportMigration, ensureTopics, namespacedTransport, type Transport } from '@switchyard/messaging';
import {
  openServiceDatabase,
  ServiceLogger,
  startService,
  startServiceProcess,
  type RunningService,
  type ServiceProcess,
} from '@switchyard/service-kit';
import { DataSource } from 'typeorm';
import { ChannelSimulator, setupDemoChannels } from './demo/channel-simulator';
import { demoNetwork } from './demo/network';
import { DemoReplenishment } from './demo/replenishment';
import { createOrderMix } from './demo/order-mix';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';
import { startGateway, type Gateway } from './gateway';
import { startMailSink, type MailSink } from './mail-sink';
import type { DemoChannelKey, Platform, PlatformOptions, PlatformProcess } from './platform.types';
import { progressTopics, ProgressObserver } from './progress';
import { operatorKeyEnv, servicePlans, type ServicePlan } from './services';

export const DEFAULT_DATA_DIR = '.switchyard/data';
/** The distributed mode's folder (demo files, keys, mail, log): its data lives in Kafka and PostgreSQL. */
export const DEFAULT_KAFKA_DATA_DIR = '.switchyard/kafka';
export const DEFAULT_PORT = 3000;

/** What the platform keeps between starts: the operator key and the demo channels' API keys (file mode 0600). */
interface Secrets {
  operatorKey: string;
  channels: Record<string, string>;
}

function loadSecrets(file: string): Secrets {
  if (existsSync(file)) {
    let parsed: Partial<Secrets>;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<Secrets>;
    } catch (error) {
      throw new Error(`${file} cannot be read as JSON (${(error as Error).message}); move it away (or start with --reset) to make new keys`);
    }
    if (typeof parsed.operatorKey !== 'string' || typeof parsed.channels !== 'object' || parsed.channels === null) {
      throw new Error(`${file} is not a Switchyard secrets file (expected { operatorKey, channels }); move it away to start afresh`);
    }
    return { operatorKey: parsed.operatorKey, channels: { ...parsed.channels } };
  }
  return { operatorKey: randomBytes(24).toString('hex'), channels: {} };
}

function saveSecrets(file: string, secrets: Secrets): void {
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/** Runs each service's migrations as that service would on its own, so the embedded and distributed modes share one schema history. */
async function migrate(url: string, plans: readonly ServicePlan[]): Promise<void> {
  const log = new DataSource({ type: 'postgres', url, migrations: [embeddedTransportMigration()], migrationsTableName: 'embedded_bus_migrations', extra: { max: 1 } });
  await log.initialize();
  try {
    await log.runMigrations({ transaction: 'each' });
  } finally {
    await log.destroy();
  }
  for (const plan of plans) {
    const dataSource = await openServiceDatabase(plan.definition, { url, maxConnections: 1 });
    await dataSource.destroy();
  }
}

interface Started {
  readonly serviceUrls: Record<string, string>;
  readonly transport: Transport;
  processes(): PlatformProcess[];
  stop(): Promise<void>;
}

/** Every service in this process, on one shared pool and the embedded transport (its log in the same database). */
async function startEmbedded(url: string, plans: readonly ServicePlan[], writeLog: (line: string) => void): Promise<Started> {
  await migrate(url, plans);
  const dataSource = new DataSource({ type: 'postgres', url, extra: { max: 40, connectionTimeoutMillis: 30_000 } });
  await dataSource.initialize();
  // One transport for all: an append wakes this process's readers at once, so polling is only the fallback.
  const transport = createEmbeddedTransport({
    dataSource,
    idlePollMs: 2_000,
    logger: new ServiceLogger({ service: 'embedded-transport', level: 'warn', write: writeLog }),
  });
  // Every location's instruction topic, before any service starts: the orchestrator creates one on first use
  // inside its transaction, and on this one-backend database that must find it known without asking the database.
  const partitions = Number(plans[0]?.env['TOPIC_PARTITIONS'] ?? 1);
  await ensureTopics(transport, demoNetwork.locations.map((l) => `fulfilment.instructions.${l.id}`), { partitions, replicationFactor: 1 });
  const running: RunningService[] = [];
  const stop = async () => {
    // Reverse order: the front door closes first, the services that only answer others last.
    for (const service of [...running].reverse()) await service.close();
    if (dataSource.isInitialized) await dataSource.destroy();
  };
  try {
    for (const plan of plans) running.push(await startService(plan.definition, { env: plan.env, dataSource, transport, writeLog }));
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
  return {
    serviceUrls: Object.fromEntries(running.map((s) => [s.name, s.url])),
    transport,
    processes: () => [{ name: 'platform', pid: process.pid }],
    stop,
  };
}

/** Every service its own Node process, on Kafka; this process only watches and fronts them. */
async function startDistributed(plans: readonly ServicePlan[], brokers: readonly string[], namespace: string | undefined, writeLog: (line: string) => void): Promise<Started> {
  const children: ServiceProcess[] = [];
  const stop = async () => {
    await Promise.all(children.map((child) => child.stop()));
  };
  try {
    const started = await Promise.allSettled(
      plans.map((plan) => startServiceProcess(plan.folder, { env: { ...plan.env, LOG_LEVEL: plan.env['LOG_LEVEL'] ?? 'info' }, readyName: plan.definition.name, onLine: writeLog, detached: true })),
    );
    for (const result of started) if (result.status === 'fulfilled') children.push(result.value);
    const failed = started.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed.length > 0) throw new Error(failed.map((f) => (f.reason as Error).message).join('\n\n'));
  } catch (error) {
    await stop();
    throw error;
  }
  const kafka = createKafkaTransport({ brokers: [...brokers], clientId: 'switchyard-platform', logger: new ServiceLogger({ service: 'platform', level: 'warn', write: writeLog }) });
  return {
    serviceUrls: Object.fromEntries(children.map((c) => [c.name, c.url])),
    transport: namespace ? namespacedTransport(kafka, namespace) : kafka,
    processes: () => children.map((c) => ({ name: c.name, pid: c.pid })),
    stop,
  };
}

export interface RunningPlatform extends Platform {
  readonly dataDir: string;
  /** Where the platform's database is (a `postgres://` URL; the embedded one's lives as long as the platform). */
  readonly databaseUrl: string;
  readonly kafkaBrokers: readonly string[] | undefined;
  /** Whether a later start continues where this one stops (not with a broker started for this run only). */
  readonly continuesAfterRestart: boolean;
  readonly progress: ProgressObserver;
  readonly mail: MailSink | undefined;
  readonly traffic: ChannelSimulator | undefined;
}

/** A log line of the platform's own parts, in the services' shape (time, level, service, message, fields). */
function logLine(level: 'info' | 'warn' | 'error', service: string, message: string, fields: Record<string, unknown> = {}): string {
  return JSON.stringify({ time: new Date().toISOString(), level, service, message, ...fields });
}

/**
 * Starts the whole platform with the demo network: embedded (every service in this process, the embedded
 * transport, PGlite unless a database URL is given) or on Kafka (every service its own process, the local
 * broker unless brokers are given, the local PostgreSQL). Then the front door, the demo channels (their keys
 * kept in the data folder), the progress observer and, unless turned off, demo traffic.
 */
export async function startPlatform(options: PlatformOptions): Promise<RunningPlatform> {
  const env = process.env;
  const dataDir = path.resolve(options.dataDir ?? (options.mode === 'kafka' ? DEFAULT_KAFKA_DATA_DIR : DEFAULT_DATA_DIR));
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const writeLog = options.writeLog ?? ((line: string) => process.stdout.write(`${line}\n`));
  const secretsFile = path.join(dataDir, 'secrets.json');
  const secrets = loadSecrets(secretsFile);
  saveSecrets(secretsFile, secrets);

  const cleanup: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch((error: Error) => writeLog(logLine('error', 'platform', 'stop step failed', { error: error.message })));
  };
  try {
    let databaseUrl = options.databaseUrl;
    let embeddedPostgres: EmbeddedPostgres | undefined;
    let kafka: ProvidedKafka | undefined;
    if (options.mode === 'embedded' && databaseUrl === undefined) {
      embeddedPostgres = await startEmbeddedPostgres({
        dataDir,
        onSlowTurn: (waitedMs, holder) =>
          writeLog(logLine('warn', 'embedded-postgres', `a connection waited ${waitedMs} ms for its turn on the database`, { holder })),
        onLongTurn: (heldMs, statements) =>
          writeLog(logLine('info', 'embedded-postgres', `one connection held the database for ${heldMs} ms`, { statements })),
      });
      cleanup.push(() => (embeddedPostgres as EmbeddedPostgres).stop());
      databaseUrl = embeddedPostgres.url;
    }
    if (options.mode === 'kafka') {
      kafka = await provideKafka({ env: options.kafkaBrokers ? { ...env, KAFKA_BROKERS: options.kafkaBrokers.join(',') } : env });
      cleanup.push(() => (kafka as ProvidedKafka).stop());
      // The local PostgreSQL's database for the platform, unless told where. A broker started for this run
      // keeps no events after it, so the database starts empty too: state without its event log would not add up.
      // With a broker that outlives the run (KAFKA_BROKERS, e.g. from `npm run infra:up`) the database is kept.
      databaseUrl ??=
        env['DATABASE_URL'] ??
        (kafka.source === 'external' ? await ensureDatabase('switchyard', DEFAULT_DATABASE_URL) : await recreateDatabase('switchyard_run', DEFAULT_DATABASE_URL));
    }
    const url = databaseUrl as string;

    let mail: MailSink | undefined;
    if (!env['SMTP_URL']) {
      mail = await startMailSink(path.join(dataDir, 'mail'));
      cleanup.push(() => (mail as MailSink).close());
    }
    const namespace = env['TOPIC_NAMESPACE'];
    const common: NodeJS.ProcessEnv = {
      ...env,
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: url,
      MESSAGING_TRANSPORT: options.mode === 'embedded' ? 'embedded' : 'kafka',
      // One partition per topic in one process: partitions buy parallelism across processes, which a single
      // PostgreSQL backend cannot give, and each one costs a reader per consumer group.
      ...(options.mode === 'embedded' ? { TOPIC_PARTITIONS: env['TOPIC_PARTITIONS'] ?? '1' } : {}),
      ...(kafka ? { KAFKA_BROKERS: kafka.brokers.join(',') } : {}),
      LOG_LEVEL: env['LOG_LEVEL'] ?? 'info',
      SMTP_URL: env['SMTP_URL'] ?? mail?.url,
      MAIL_FROM: env['MAIL_FROM'] ?? 'Switchyard demo shop <orders@demo.switchyard.dev>',
      ...operatorKeyEnv(secrets.operatorKey),
    };
    const plans = servicePlans(common, path.join(dataDir, 'demo'), options);
    const started = options.mode === 'embedded' ? await startEmbedded(url, plans, writeLog) : await startDistributed(plans, kafka?.brokers ?? [], namespace, writeLog);
    cleanup.push(() => started.stop());

    const gateway: Gateway = await startGateway({ services: started.serviceUrls, front: 'order-intake' }, { host: env['HOST'] ?? '127.0.0.1', port: options.port ?? DEFAULT_PORT });
    cleanup.push(() => gateway.close());

    const progress = new ProgressObserver(started.transport, progressTopics(demoNetwork.locations.map((l) => l.id)));
    await progress.start();
    cleanup.push(() => progress.stop());

    const keys = await setupDemoChannels(started.serviceUrls['order-intake'] as string, secrets.operatorKey, demoNetwork, secrets.channels);
    secrets.channels = Object.fromEntries(keys.map((k) => [k.channelId, k.apiKey]));
    saveSecrets(secretsFile, secrets);
    const channels: DemoChannelKey[] = keys.map((k) => ({ channelId: k.channelId, apiKey: k.apiKey }));

    let traffic: ChannelSimulator | undefined;
    if (options.demoTraffic ?? true) {
      traffic = new ChannelSimulator({
        intakeUrl: gateway.url,
        channels,
        ratePerSecond: options.demoRatePerSecond ?? 2,
        mix: createOrderMix({ seed: Date.now() % 2 ** 31, network: demoNetwork }),
        onError: (message: string) => writeLog(logLine('warn', 'demo-traffic', message)),
      });
      traffic.start();
      cleanup.push(() => (traffic as ChannelSimulator).stop());
    }

    if (options.demoReplenishment ?? options.demoTraffic ?? true) {
      const replenishment = new DemoReplenishment({
        transport: started.transport,
        warehouseUrl: started.serviceUrls['warehouse-simulator'] as string,
        operatorKey: secrets.operatorKey,
        network: demoNetwork,
        onError: (message: string) => writeLog(logLine('warn', 'demo-replenishment', message)),
        onReceipt: (r) => writeLog(logLine('info', 'demo-replenishment', 'stock received', { ...r })),
      });
      await replenishment.start();
      cleanup.push(() => replenishment.stop());
    }

    let stopping: Promise<void> | undefined;
    return {
      mode: options.mode,
      apiUrl: gateway.url,
      serviceUrls: started.serviceUrls,
      channels,
      operatorKey: secrets.operatorKey,
      transport: started.transport,
      dataDir,
      databaseUrl: url,
      kafkaBrokers: kafka?.brokers,
      continuesAfterRestart: kafka === undefined || kafka.source === 'external',
      progress,
      mail,
      traffic,
      processes: () => started.processes(),
      stop: () => (stopping ??= stopAll()),
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
