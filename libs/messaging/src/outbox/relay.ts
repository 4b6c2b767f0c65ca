import { Link, SpanKind } from '@opentelemetry/api';
import { Client, ClientConfig } from 'pg';
import { DataSource } from 'typeorm';
import { PostgresConnectionCredentialsOptions } from 'typeorm/driver/postgres/PostgresConnectionCredentialsOptions';
import { MessagingConfigurationError } from '../errors';
import { Headers } from '../headers';
import { MessagingLogger, silentLogger } from '../logger';
import { OUTBOX_TABLE } from '../migrations';
import { outboxChannel, quotedSchema } from '../names';
import { backoffDelay, sleep } from '../retry';
import { inSpan, linkFromHeaders, messagingTracer } from '../tracing/trace-context';
import { RecoveringProducer } from '../transport/recovering-producer';
import { TopicMessages, Transport, TransportMessage } from '../transport/transport';

export interface OutboxRelayOptions {
  /** The service's DataSource: the relay opens one connection of its own with the same settings. */
  readonly dataSource: DataSource;
  /** The schema holding messaging_outbox. */
  readonly schema: string;
  readonly transport: Transport;
  /** Rows published per send. */
  readonly batchSize?: number;
  /** Look for rows this often even without a NOTIFY (missed notifications, rows written by other tools). */
  readonly pollIntervalMs?: number;
  /** A standby relay tries to become the publisher this often. */
  readonly standbyRetryMs?: number;
  /** Longest pause between attempts after failures (the first pause is 100 ms, doubling). */
  readonly maxBackoffMs?: number;
  readonly logger?: MessagingLogger;
  /**
   * Makes sure topics exist before the first rows naming them are sent, for a service whose topics are not all
   * known at start (one per location, say): called with the topics of a batch this relay has not sent to yet, on
   * the relay's own connection outside any transaction, so no database transaction waits on the broker's admin API.
   * It creates those it owns (an existing topic is a no-op) and ignores the rest. If it throws, the batch fails and
   * is retried like any failed send.
   */
  readonly ensureTopics?: (topics: readonly string[]) => Promise<void>;
}

interface OutboxRow {
  id: string;
  message_id: string;
  topic: string;
  message_key: string;
  payload: Buffer;
  headers: Record<string, string>;
}

/**
 * Publishes the outbox: one relay per schema at a time (a PostgreSQL advisory lock held on its own
 * connection; the others stand by), rows in id order, in batches, through the idempotent producer, and
 * only then deletes them. A relay that dies between publishing and deleting leaves the rows, and the next
 * one publishes them again: consumers drop the copies by message id.
 */
export class OutboxRelay {
  private readonly table: string;
  private readonly channel: string;
  private readonly lockName: string;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly standbyRetryMs: number;
  private readonly maxBackoffMs: number;
  private readonly logger: MessagingLogger;
  private producer: RecoveringProducer | undefined;
  private loop: Promise<void> | undefined;
  private starting: Promise<void> | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;
  // Set by a NOTIFY that arrives while a batch is in flight, so the next idle() does not sleep through it.
  private notified = false;
  private leader = false;
  private published = 0;
  /** Topics already passed to `ensureTopics` (or sent to) by this relay. */
  private readonly ensured = new Set<string>();

  constructor(private readonly options: OutboxRelayOptions) {
    this.table = `${quotedSchema(options.schema)}.${OUTBOX_TABLE}`;
    this.channel = outboxChannel(options.schema);
    this.lockName = `switchyard.outbox:${options.schema}`;
    this.batchSize = options.batchSize ?? 500;
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.standbyRetryMs = options.standbyRetryMs ?? 2_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 10_000;
    this.logger = options.logger ?? silentLogger;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) {
      throw new MessagingConfigurationError(`OutboxRelay batchSize must be a positive integer; got ${this.batchSize}.`);
    }
  }

  /** True while this relay holds the schema's publishing lock. */
  get isLeader(): boolean {
    return this.leader;
  }

  /** Messages this relay has published (and deleted) so far. */
  get publishedCount(): number {
    return this.published;
  }

  /** Connects the producer and starts relaying in the background. */
  async start(): Promise<void> {
    this.starting ??= (async () => {
      this.stopping = false;
      const producer = new RecoveringProducer(this.options.transport);
      try {
        await producer.connect();
      } catch (error) {
        this.starting = undefined;
        throw error;
      }
      this.producer = producer;
      this.loop = this.run();
    })();
    await this.starting;
  }

  /** Finishes the batch in progress, releases the lock, disconnects. */
  async stop(): Promise<void> {
    // A stop during start waits for the start, so nothing is left running.
    await this.starting?.catch(() => undefined);
    this.starting = undefined;
    if (!this.loop) return;
    this.stopping = true;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
    await this.producer?.disconnect();
    this.producer = undefined;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      const client = new Client(clientConfig(this.options.dataSource));
      // A broken connection also surfaces on the next query; this keeps the error from being unhandled.
      client.on('error', (error) => this.logger.warn('outbox relay connection failed', { schema: this.options.schema, error: error.message }));
      try {
        await client.connect();
        if (!(await this.becomeLeader(client))) continue;
        await client.query(`LISTEN "${this.channel}"`);
        client.on('notification', () => {
          this.notified = true;
          this.wake?.();
        });
        while (!this.stopping) {
          const count = await this.publishBatch(client);
          failures = 0;
          if (count < this.batchSize) await this.idle(this.pollIntervalMs);
        }
      } catch (error) {
        failures++;
        const delay = backoffDelay(failures, 100, this.maxBackoffMs);
        this.logger.error(`outbox relay failed; the rows stay in the outbox and are retried in ${delay} ms`, {
          schema: this.options.schema,
          error: (error as Error).message,
          attempt: failures,
        });
        await this.idle(delay);
      } finally {
        if (this.leader) this.logger.info('outbox relay stopped publishing', { schema: this.options.schema });
        this.leader = false;
        // Ending the session releases the advisory lock and the LISTEN with it.
        await client.end().catch(() => undefined);
      }
    }
  }

  /** Takes the schema's lock, or waits as a standby until it can (or until stop). */
  private async becomeLeader(client: Client): Promise<boolean> {
    while (!this.stopping) {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [this.lockName]);
      if (rows[0]?.locked) {
        this.leader = true;
        this.logger.info('outbox relay is publishing', { schema: this.options.schema });
        return true;
      }
      await this.idle(this.standbyRetryMs);
    }
    return false;
  }

  private async publishBatch(client: Client): Promise<number> {
    const { rows } = await client.query<OutboxRow>(
      `SELECT id, message_id, topic, message_key, payload, headers FROM ${this.table} ORDER BY id LIMIT $1`,
      [this.batchSize],
    );
    if (rows.length === 0) return 0;
    const byTopic = new Map<string, TransportMessage[]>();
    const links: Link[] = [];
    for (const row of rows) {
      const messages = byTopic.get(row.topic) ?? [];
      messages.push({ key: row.message_key, value: row.payload, headers: row.headers });
      byTopic.set(row.topic, messages);
      const link = links.length < 128 ? linkFromHeaders(row.headers) : undefined;
      if (link) links.push(link);
    }
    const batch: TopicMessages[] = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    const span = messagingTracer().startSpan('outbox relay send', {
      kind: SpanKind.PRODUCER,
      links,
      attributes: { 'messaging.system': 'kafka', 'messaging.batch.message_count': rows.length, 'switchyard.schema': this.options.schema },
    });
    await this.ensureTopics([...byTopic.keys()]);
    await inSpan(span, async () => {
      try {
        await this.requireProducer().send(batch);
      } catch (error) {
        throw new Error(
          `publishing outbox rows ${rows[0].id}..${rows[rows.length - 1].id} (message ids ${rows[0].message_id}..${rows[rows.length - 1].message_id}) to ${[...byTopic.keys()].join(', ')} failed: ${(error as Error).message}`,
          { cause: error },
        );
      }
      await client.query(`DELETE FROM ${this.table} WHERE id = ANY($1::bigint[])`, [rows.map((r) => r.id)]);
    });
    this.published += rows.length;
    this.logger.debug('outbox relay published a batch', {
      schema: this.options.schema,
      count: rows.length,
      messageId: rows[0].headers[Headers.messageId],
    });
    return rows.length;
  }

  /** Hands the topics this relay has not seen yet to the `ensureTopics` hook, if there is one. */
  private async ensureTopics(topics: readonly string[]): Promise<void> {
    const hook = this.options.ensureTopics;
    const unseen = topics.filter((topic) => !this.ensured.has(topic));
    if (!hook || unseen.length === 0) return;
    try {
      await hook(unseen);
    } catch (error) {
      throw new Error(`making sure topic(s) ${unseen.join(', ')} exist before publishing outbox rows to them failed: ${(error as Error).message}`, { cause: error });
    }
    for (const topic of unseen) this.ensured.add(topic);
  }

  private requireProducer(): RecoveringProducer {
    if (!this.producer) throw new MessagingConfigurationError('OutboxRelay is not started: call start() first.');
    return this.producer;
  }

  /** Waits for a NOTIFY, a stop, or `ms`. */
  private async idle(ms: number): Promise<void> {
    if (this.stopping || this.notified) {
      this.notified = false;
      return;
    }
    await sleep(ms, (wake) => {
      this.wake = wake;
    });
    this.wake = undefined;
    this.notified = false;
  }
}

function clientConfig(dataSource: DataSource): ClientConfig {
  const options = dataSource.options as PostgresConnectionCredentialsOptions & { type: string };
  if (options.type !== 'postgres') {
    throw new MessagingConfigurationError(`OutboxRelay needs a PostgreSQL DataSource; this one is "${options.type}".`);
  }
  return {
    connectionString: options.url,
    host: options.host,
    port: options.port,
    user: options.username,
    password: options.password,
    database: options.database,
    ssl: options.ssl as ClientConfig['ssl'],
    application_name: options.applicationName ?? 'switchyard-outbox-relay',
    // An unreachable database must not hold stop() hostage.
    connectionTimeoutMillis: 10_000,
  };
}
