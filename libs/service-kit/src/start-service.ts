import { Controller, DynamicModule, Get, Inject, INestApplication, Module, OnApplicationShutdown, Provider, Res, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { MicroserviceOptions } from '@nestjs/microservices';
import type { NestMicroservice } from '@nestjs/microservices/nest-microservice';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DEFAULT_DATABASE_URL } from '@switchyard/infra';
import {
  createEmbeddedTransport,
  createKafkaTransport,
  embeddedTransportMigration,
  ensureTopics,
  Inbox,
  namespacedTransport,
  messagingMigration,
  Outbox,
  SwitchyardExceptionFilter,
  SwitchyardServer,
  type TopicSettings,
  type Transport,
  type TransportAdmin,
} from '@switchyard/messaging';
import { DataSource, DataSourceOptions, MigrationInterface } from 'typeorm';
import { ConfigOf, ConfigurationError, describeConfig, loadConfig, settings, SettingsSchema } from './config';
import { dueWorkLoopProvider } from './due-work-loop';
import { ServiceLogger } from './service-logger';

/** Settings every service reads from its environment. */
export const serviceSettings = {
  HOST: settings.string({ default: '127.0.0.1', doc: 'interface the HTTP server binds to' }),
  PORT: settings.int({ default: 0, min: 0, max: 65535, doc: 'HTTP port; 0 lets the OS pick a free one' }),
  DATABASE_URL: settings.url({ protocols: ['postgres:', 'postgresql:'], default: DEFAULT_DATABASE_URL }),
  MESSAGING_TRANSPORT: settings.oneOf(['kafka', 'embedded'] as const, { default: 'kafka' }),
  KAFKA_BROKERS: settings.optional(settings.list({ item: /^[^\s:,]+:\d{1,5}$/ })),
  KAFKA_CLIENT_ID: settings.optional(settings.string({ pattern: /^[A-Za-z0-9._-]{1,100}$/ })),
  TOPIC_NAMESPACE: settings.optional(
    settings.string({ pattern: /^[a-zA-Z0-9_-]{1,64}$/, doc: 'prefix of every topic on the broker, so environments can share one broker' }),
  ),
  TOPIC_PARTITIONS: settings.int({ default: 3, min: 1, max: 1000 }),
  TOPIC_REPLICATION_FACTOR: settings.int({ default: 1, min: 1, max: 10 }),
  LOG_LEVEL: settings.oneOf(['debug', 'info', 'warn', 'error'] as const, { default: 'info' }),
  HTTP_BODY_LIMIT: settings.string({ default: '256kb', pattern: /^\d{1,6}(b|kb|mb)$/, doc: 'largest JSON request body' }),
  HEALTH_CHECK_TIMEOUT_MS: settings.int({ default: 2_000, min: 100, max: 60_000 }),
  DATABASE_POOL_SIZE: settings.int({ default: 10, min: 1, max: 500, doc: 'connections the service keeps to its database' }),
  DATABASE_POOL_WAIT_MS: settings.int({
    default: 30_000,
    min: 100,
    max: 600_000,
    doc: 'how long a request or handler waits for a free connection before it fails (a burst waits its turn rather than failing)',
  }),
  INBOX_RETENTION_HOURS: settings.int({
    default: 168,
    min: 1,
    max: 87_600,
    doc: 'how long the inbox remembers an applied message; keep it above the topics\' retention (Kafka: 7 days by default), or a redelivery older than it is applied twice',
  }),
  INBOX_PRUNE_INTERVAL_MS: settings.int({ default: 60_000, min: 100, max: 86_400_000, doc: 'pause between two prunings of the inbox' }),
  INBOX_PRUNE_BATCH: settings.int({ default: 20_000, min: 1, max: 1_000_000, doc: 'most inbox entries one pruning deletes (one short transaction)' }),
};

export type ServiceConfig = ConfigOf<typeof serviceSettings>;

type MigrationClass = new () => MigrationInterface;

/** What a service is: its name, its schema, its Nest module (HTTP controllers and @EventPattern handlers), its topics. */
export interface ServiceDefinition<S extends SettingsSchema = SettingsSchema> {
  /** Lower-case name: logs, consumer group, Kafka client id. */
  readonly name: string;
  /** The PostgreSQL schema this service owns; no other service reads it. */
  readonly schema: string;
  readonly module: Type<unknown>;
  /** Topics its handlers consume. */
  readonly consumes: readonly string[];
  /** Topics it publishes to through its outbox (created on start, each with its .dlq). */
  readonly publishes?: readonly string[];
  /**
   * Prefixes of topics it publishes to that are not known at start (`fulfilment.instructions.` for a location's
   * instructions): the outbox relay creates each such topic, with its .dlq, before its first publish there, on its
   * own connection and outside any transaction (a handler never waits on the broker's admin API in its transaction).
   */
  readonly createsTopicsByPrefix?: readonly string[];
  /** Its own migrations; the outbox/inbox migration for `schema` is added in front. */
  readonly migrations?: readonly MigrationClass[];
  readonly entities?: DataSourceOptions['entities'];
  /** Settings of its own, validated with the common ones and injectable as SERVICE_SETTINGS. */
  readonly settings?: S;
  /** An event type on a consumed topic that no handler takes: dead-letter it (default), or skip it (a shared topic, e.g. its own events). */
  readonly unhandledEvents?: 'dead-letter' | 'ignore';
}

/** Injection tokens for what the kit provides to a service's module (besides DataSource, Outbox and ServiceLogger by class). */
export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');
export const SERVICE_SETTINGS = Symbol('SERVICE_SETTINGS');
export const MESSAGING_TRANSPORT = Symbol('MESSAGING_TRANSPORT');

export interface StartServiceOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Shared by the embedded runtime; then its owner runs the migrations (see serviceMigrations) and closes it. */
  readonly dataSource?: DataSource;
  /** Shared by the embedded runtime; otherwise made from MESSAGING_TRANSPORT. */
  readonly transport?: Transport;
  /** Where JSON log lines go; standard output by default. */
  readonly writeLog?: (line: string) => void;
}

export interface RunningService {
  readonly name: string;
  readonly url: string;
  readonly app: INestApplication;
  readonly dataSource: DataSource;
  readonly transport: Transport;
  readonly config: ServiceConfig;
  readonly logger: ServiceLogger;
  /** Drains consumers and the outbox relay, closes HTTP, then what this service opened. Idempotent. */
  close(): Promise<void>;
}

/** Every migration a service's schema needs, in order: the messaging tables, then the service's own. */
export function serviceMigrations(definition: ServiceDefinition): MigrationClass[] {
  return [messagingMigration(definition.schema), ...(definition.migrations ?? [])];
}

export interface HealthReport {
  readonly status: 'ok' | 'unavailable';
  readonly service: string;
  readonly checks: Record<string, 'ok' | string>;
}

const HEALTH = Symbol('HEALTH');

/** Database and broker checks with a deadline each; `stopping` turns the answer to unavailable for load balancers. */
class HealthChecks {
  stopping = false;
  private admin: TransportAdmin | undefined;

  constructor(
    private readonly service: string,
    private readonly dataSource: DataSource,
    private readonly transport: Transport,
    private readonly probeTopic: string,
    private readonly timeoutMs: number,
  ) {}

  async report(): Promise<HealthReport> {
    const [database, broker] = await Promise.all([this.check(() => this.dataSource.query('SELECT 1')), this.check(() => this.probeBroker())]);
    // A failed broker probe may have left a broken connection: the next report starts from a new admin.
    if (broker !== 'ok') await this.close();
    const checks = { database, broker, ...(this.stopping ? { lifecycle: 'shutting down' } : {}) };
    const ok = database === 'ok' && broker === 'ok' && !this.stopping;
    return { status: ok ? 'ok' : 'unavailable', service: this.service, checks };
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.disconnect().catch(() => undefined);
  }

  private async probeBroker(): Promise<void> {
    if (!this.admin) {
      const admin = this.transport.admin();
      await admin.connect();
      this.admin = admin;
    }
    await this.admin.partitionCount(this.probeTopic);
  }

  private async check(probe: () => Promise<unknown>): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        probe(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
        }),
      ]);
      return 'ok';
    } catch (error) {
      return (error as Error).message;
    } finally {
      clearTimeout(timer);
    }
  }
}

@Controller()
class HealthController {
  constructor(@Inject(HEALTH) private readonly health: HealthChecks) {}

  @Get('health')
  async health_(@Res({ passthrough: true }) response: { status(code: number): unknown }): Promise<HealthReport> {
    const report = await this.health.report();
    response.status(report.status === 'ok' ? 200 : 503);
    return report;
  }
}

/** Releases, on shutdown and after the consumers drained, what this service opened itself. */
class OwnedResources implements OnApplicationShutdown {
  constructor(private readonly release: () => Promise<void>) {}

  async onApplicationShutdown(): Promise<void> {
    await this.release();
  }
}

function validateConfig<S extends SettingsSchema>(definition: ServiceDefinition<S>, env: NodeJS.ProcessEnv, external: boolean) {
  const config = loadConfig(`service ${definition.name}`, serviceSettings, env);
  const own = loadConfig(`service ${definition.name}`, definition.settings ?? ({} as S), env);
  if (!external && config.MESSAGING_TRANSPORT === 'kafka' && !config.KAFKA_BROKERS) {
    throw new ConfigurationError(`service ${definition.name}`, [
      'KAFKA_BROKERS is required when MESSAGING_TRANSPORT is kafka (a comma-separated list of host:port); `npm run infra:up` prints one',
    ]);
  }
  if (definition.consumes.length === 0) {
    throw new ConfigurationError(`service ${definition.name}`, ['the service definition consumes no topic; list the topics its handlers read']);
  }
  return { config, own };
}

/**
 * Starts one service: validated configuration, its database (migrated) and transport, its Nest module with
 * a JSON logger, `/health`, the Switchyard transport strategy for its handlers, and request size limits.
 * `close()` drains consumers before closing anything; runServiceMain calls it on SIGTERM/SIGINT (signals are
 * the process's business, so an embedded runtime hosting several services decides for itself).
 */
export async function startService<S extends SettingsSchema>(definition: ServiceDefinition<S>, options: StartServiceOptions = {}): Promise<RunningService> {
  const env = options.env ?? process.env;
  const { config, own } = validateConfig(definition, env, options.transport !== undefined);
  const logger = new ServiceLogger({ service: definition.name, level: config.LOG_LEVEL, write: options.writeLog });
  logger.info('starting', { config: JSON.stringify({ ...describeConfig(serviceSettings, config), ...describeConfig(definition.settings ?? {}, own) }) });

  const ownDataSource = options.dataSource === undefined;
  const embedded = options.transport === undefined && config.MESSAGING_TRANSPORT === 'embedded';
  const dataSource = options.dataSource ?? (await openServiceDatabase(definition, {
      url: config.DATABASE_URL,
      embeddedLog: embedded,
      maxConnections: config.DATABASE_POOL_SIZE,
      waitForConnectionMs: config.DATABASE_POOL_WAIT_MS,
    }));
  const ownTransport = (): Transport =>
    embedded
      ? createEmbeddedTransport({ dataSource, logger })
      : createKafkaTransport({ brokers: config.KAFKA_BROKERS ?? [], clientId: config.KAFKA_CLIENT_ID ?? `switchyard-${definition.name}`, logger });
  const transport = options.transport ?? withNamespace(ownTransport(), config.TOPIC_NAMESPACE);
  const health = new HealthChecks(definition.name, dataSource, transport, definition.consumes[0] as string, config.HEALTH_CHECK_TIMEOUT_MS);
  const topicSettings: TopicSettings = { partitions: config.TOPIC_PARTITIONS, replicationFactor: config.TOPIC_REPLICATION_FACTOR };

  let app: NestExpressApplication | undefined;
  try {
    @Module({})
    class ServiceKitModule {}
    const kit: DynamicModule = {
      module: ServiceKitModule,
      global: true,
      providers: [
        { provide: DataSource, useValue: dataSource },
        { provide: SERVICE_CONFIG, useValue: config },
        { provide: SERVICE_SETTINGS, useValue: own },
        { provide: MESSAGING_TRANSPORT, useValue: transport },
        { provide: ServiceLogger, useValue: logger },
        { provide: Outbox, useValue: new Outbox({ schema: definition.schema }) },
        { provide: HEALTH, useValue: health },
        inboxPruning(definition.schema, config),
        {
          provide: OwnedResources,
          useValue: new OwnedResources(async () => {
            await health.close();
            if (ownDataSource && dataSource.isInitialized) await dataSource.destroy();
          }),
        },
      ],
      exports: [DataSource, SERVICE_CONFIG, SERVICE_SETTINGS, MESSAGING_TRANSPORT, ServiceLogger, Outbox],
      controllers: [HealthController],
    };
    @Module({})
    class ServiceRootModule {}
    app = await NestFactory.create<NestExpressApplication>({ module: ServiceRootModule, imports: [kit, definition.module] }, { logger, bodyParser: false, abortOnError: false });
    app.useBodyParser('json', { limit: config.HTTP_BODY_LIMIT });
    // Deferred: Nest wires handlers at connect time, and the filter must be in place before it does.
    const microservice = app.connectMicroservice<MicroserviceOptions>(
      {
        strategy: new SwitchyardServer({
          transport,
          dataSource,
          schema: definition.schema,
          groupId: definition.name,
          topics: definition.consumes,
          publishes: definition.publishes,
          topicSettings,
          relay: { ensureTopics: topicsOnFirstUse(transport, definition.createsTopicsByPrefix ?? [], topicSettings) },
          unhandledEvents: definition.unhandledEvents,
          logger,
        }),
      },
      { deferInitialization: true },
    ) as NestMicroservice;
    // Handler errors must reach the retry policy as thrown (FatalError, RetriableError); HTTP keeps Nest's own error responses.
    microservice.useGlobalFilters(new SwitchyardExceptionFilter());
    // What connectMicroservice does when not deferred; the application already ran the init hooks.
    microservice.registerListeners();
    microservice.setIsInitialized(true);
    microservice.setIsInitHookCalled(true);
    await app.startAllMicroservices();
    await app.listen(config.PORT, config.HOST);
  } catch (error) {
    await app?.close().catch(() => undefined);
    await health.close();
    if (ownDataSource && dataSource.isInitialized) await dataSource.destroy();
    throw error;
  }

  const started = app;
  const address = started.getHttpServer().address() as { port: number } | null;
  const url = `http://${config.HOST}:${address?.port ?? config.PORT}`;
  logger.info('ready', { url, transport: transport.name, schema: definition.schema });
  let closing: Promise<void> | undefined;
  return {
    name: definition.name,
    url,
    app: started,
    dataSource,
    transport,
    config,
    logger,
    close: () => {
      closing ??= (async () => {
        health.stopping = true;
        await started.close();
        logger.info('stopped');
      })();
      return closing;
    },
  };
}

/**
 * Forgets inbox entries older than INBOX_RETENTION_HOURS, at most INBOX_PRUNE_BATCH per tick, so the table stays the
 * size of the redelivery window. An entry is only needed while its message can still come again.
 */
function inboxPruning(schema: string, config: ServiceConfig): Provider {
  const inbox = new Inbox(schema);
  const retentionMs = config.INBOX_RETENTION_HOURS * 3_600_000;
  return dueWorkLoopProvider('INBOX_PRUNING', [ServiceLogger], (logger: ServiceLogger) => ({
    name: 'pruning the inbox',
    intervalMs: config.INBOX_PRUNE_INTERVAL_MS,
    tickOnStart: true,
    claim: async ({ entityManager, now }) => {
      const pruned = await inbox.prune(entityManager, new Date(now.getTime() - retentionMs), config.INBOX_PRUNE_BATCH);
      if (pruned > 0) logger.info('inbox pruned', { entries: pruned, olderThanHours: config.INBOX_RETENTION_HOURS });
      return pruned;
    },
  }));
}

/** The relay's hook for topics made on first use: those of `prefixes` among the ones it has not published to yet. */
function topicsOnFirstUse(transport: Transport, prefixes: readonly string[], settings: TopicSettings): ((topics: readonly string[]) => Promise<void>) | undefined {
  if (prefixes.length === 0) return undefined;
  return async (topics) => {
    const made = topics.filter((topic) => prefixes.some((prefix) => topic.startsWith(prefix)));
    if (made.length > 0) await ensureTopics(transport, made, settings);
  };
}

function withNamespace(transport: Transport, namespace: string | undefined): Transport {
  return namespace ? namespacedTransport(transport, namespace) : transport;
}

export interface OpenServiceDatabaseOptions {
  readonly url: string;
  /** Adds the embedded transport's log tables (a service alone on the embedded transport keeps the log in its database). */
  readonly embeddedLog?: boolean;
  /** The pool size; 10 by default. */
  readonly maxConnections?: number;
  /** How long a caller waits for a free connection before it fails; 30 s by default. */
  readonly waitForConnectionMs?: number;
}

/**
 * A service's database, migrated exactly as the service migrates it on start (its migrations, the messaging
 * tables, its own migrations table): for the service itself, and for its command-line tools and tests.
 */
export async function openServiceDatabase(definition: ServiceDefinition, options: OpenServiceDatabaseOptions): Promise<DataSource> {
  const { url, embeddedLog = false, maxConnections = 10, waitForConnectionMs = 30_000 } = options;
  const dataSource = new DataSource({
    type: 'postgres',
    url,
    entities: definition.entities,
    // A service alone on the embedded transport keeps the log in its database too.
    migrations: [...(embeddedLog ? [embeddedTransportMigration()] : []), ...serviceMigrations(definition)],
    // One migration history per service, so services sharing a database never see each other's.
    migrationsTableName: `${definition.schema}_migrations`,
    synchronize: false,
    extra: { max: maxConnections, connectionTimeoutMillis: waitForConnectionMs },
  });
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}
