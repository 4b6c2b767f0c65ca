import { DataSource } from 'typeorm';
import { MessagingConfigurationError, TransportError } from '../errors';
import { MessagingLogger, silentLogger } from '../logger';
import { assertTopicName, quotedSchema } from '../names';
import {
  ConsumedBatch,
  ConsumedMessage,
  ConsumerRunOptions,
  MessageHeaders,
  PartitionOffset,
  SubscribeOptions,
  TopicMessages,
  TopicSpec,
  Transport,
  TransportAdmin,
  TransportConsumer,
  TransportConsumerOptions,
  TransportProducer,
} from '../transport/transport';
import { DEFAULT_EMBEDDED_SCHEMA } from './embedded-migration';
import { partitionForKey } from './partitioner';

/**
 * The embedded transport: Kafka's contract (partitions by key, consumer groups, committed offsets, replay
 * by seek) in one Node process, with the log kept in PostgreSQL so it survives restarts. For the
 * single-process runtime: consumer groups are coordinated inside one transport instance, so every member
 * of a group must come from the same instance (a restart is a new instance over the same tables).
 */
export interface EmbeddedTransportOptions {
  /** An initialized data source whose database has `embeddedTransportMigration(schema)` applied. */
  readonly dataSource: DataSource;
  /** Schema of the log's tables. */
  readonly schema?: string;
  /** How long an idle partition waits before looking again; appends through this instance wake it at once. */
  readonly idlePollMs?: number;
  /** Most messages handed to one `eachBatch` call. */
  readonly maxBatchSize?: number;
  /** Wait before a partition whose `eachBatch` rejected starts again from its committed offset. */
  readonly restartDelayMs?: number;
  readonly logger?: MessagingLogger;
}

export function createEmbeddedTransport(options: EmbeddedTransportOptions): Transport {
  const log = new EmbeddedLog(options);
  const coordinator = new GroupCoordinator(log);
  return {
    name: log.name,
    producer: () => new EmbeddedProducer(log),
    consumer: (consumerOptions) => new EmbeddedConsumer(log, coordinator, consumerOptions),
    admin: () => new EmbeddedAdmin(log),
  };
}

interface MessageRow {
  offset: string;
  message_key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  timestamp_ms: string;
}

/** The storage and the in-process wake-ups shared by every client of one transport instance. */
class EmbeddedLog {
  readonly name: string;
  readonly idlePollMs: number;
  readonly maxBatchSize: number;
  readonly restartDelayMs: number;
  readonly logger: MessagingLogger;
  private readonly s: string;
  private readonly partitionCounts = new Map<string, number>();
  private readonly createdTopics = new Set<string>();
  private readonly listeners = new Map<string, Set<() => void>>();

  constructor(private readonly options: EmbeddedTransportOptions) {
    const schema = options.schema ?? DEFAULT_EMBEDDED_SCHEMA;
    this.s = quotedSchema(schema);
    this.name = `embedded (postgres schema ${schema})`;
    this.idlePollMs = options.idlePollMs ?? 200;
    this.maxBatchSize = options.maxBatchSize ?? 500;
    this.restartDelayMs = options.restartDelayMs ?? 200;
    this.logger = options.logger ?? silentLogger;
  }

  assertReady(): void {
    if (!this.options.dataSource.isInitialized) {
      throw new MessagingConfigurationError(`The ${this.name} transport needs an initialized DataSource: call dataSource.initialize() first.`);
    }
  }

  async partitionCount(topic: string): Promise<number> {
    const known = this.partitionCounts.get(topic);
    if (known !== undefined) return known;
    const rows: { partitions: number }[] = await this.options.dataSource.query(`SELECT partitions FROM ${this.s}.topics WHERE topic = $1`, [topic]);
    const count = rows[0]?.partitions;
    if (count === undefined) {
      throw new TransportError(`Topic "${topic}" does not exist on the ${this.name} transport: create it first (admin.createTopics / ensureTopics).`, false);
    }
    // A topic's partition count never changes here, so it is safe to remember.
    this.partitionCounts.set(topic, count);
    return count;
  }

  async createTopics(topics: readonly TopicSpec[]): Promise<void> {
    for (const { topic, partitions } of topics) {
      assertTopicName(topic);
      if (!Number.isInteger(partitions) || partitions < 1) {
        throw new MessagingConfigurationError(`Topic "${topic}" needs a whole number of partitions of at least 1; got ${partitions}.`);
      }
    }
    // Topics are never deleted: one this log created or saw needs no database work (and no second connection,
    // which matters to a caller inside a transaction on a database that serialises connections, like PGlite).
    const unknown = topics.filter(({ topic }) => !this.partitionCounts.has(topic) && !this.createdTopics.has(topic));
    if (unknown.length === 0) return;
    await this.options.dataSource.transaction(async (em) => {
      for (const { topic, partitions } of unknown) {
        await em.query(`INSERT INTO ${this.s}.topics (topic, partitions) VALUES ($1, $2) ON CONFLICT (topic) DO NOTHING`, [topic, partitions]);
        await em.query(
          `INSERT INTO ${this.s}.partitions (topic, partition)
           SELECT t.topic, p FROM ${this.s}.topics t, generate_series(0, t.partitions - 1) AS p WHERE t.topic = $1
           ON CONFLICT (topic, partition) DO NOTHING`,
          [topic],
        );
      }
    });
    for (const { topic } of unknown) this.createdTopics.add(topic);
  }

  /** Appends a batch in one transaction; per partition, offsets follow the order given. */
  async append(batch: readonly TopicMessages[]): Promise<void> {
    const byPartition = new Map<string, { topic: string; partition: number; keys: string[]; values: Buffer[]; headers: string[] }>();
    for (const { topic, messages } of batch) {
      if (messages.length === 0) continue;
      const partitions = await this.partitionCount(topic);
      for (const message of messages) {
        const partition = partitionForKey(message.key, partitions);
        const id = `${topic}\u0000${partition}`;
        const group = byPartition.get(id) ?? { topic, partition, keys: [], values: [], headers: [] };
        group.keys.push(message.key);
        group.values.push(message.value);
        group.headers.push(JSON.stringify(message.headers));
        byPartition.set(id, group);
      }
    }
    if (byPartition.size === 0) return;
    // A fixed lock order (topic, partition) so two concurrent appends cannot deadlock.
    const groups = [...byPartition.values()].sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
    const now = String(Date.now());
    await this.options.dataSource.transaction(async (em) => {
      for (const g of groups) {
        // The row lock on the partition makes offset assignment and commit order the same: no reader sees a gap.
        // TypeORM returns [rows, rowCount] for an UPDATE.
        const [rows] = (await em.query(
          `UPDATE ${this.s}.partitions SET next_offset = next_offset + $3 WHERE topic = $1 AND partition = $2 RETURNING (next_offset - $3)::text AS first`,
          [g.topic, g.partition, g.keys.length],
        )) as [{ first: string }[], number];
        const first = rows[0]?.first;
        if (first === undefined) throw new TransportError(`Partition ${g.topic}[${g.partition}] is missing from the ${this.name} log.`, false);
        await em.query(
          `INSERT INTO ${this.s}.messages (topic, partition, "offset", message_key, value, headers, timestamp_ms)
           SELECT $1, $2, $3::bigint + t.ord - 1, t.message_key, t.value, t.headers::jsonb, $4
           FROM unnest($5::text[], $6::bytea[], $7::text[]) WITH ORDINALITY AS t(message_key, value, headers, ord)`,
          [g.topic, g.partition, first, now, g.keys, g.values, g.headers],
        );
      }
    });
    for (const topic of new Set(groups.map((g) => g.topic))) this.listeners.get(topic)?.forEach((wake) => wake());
  }

  async read(topic: string, partition: number, fromOffset: bigint): Promise<ConsumedMessage[]> {
    const rows: MessageRow[] = await this.options.dataSource.query(
      // Qualified: a bare "offset" in ORDER BY would name the text output column and sort 10 before 2.
      `SELECT m."offset"::text AS "offset", m.message_key, m.value, m.headers, m.timestamp_ms::text AS timestamp_ms
       FROM ${this.s}.messages m WHERE m.topic = $1 AND m.partition = $2 AND m."offset" >= $3 ORDER BY m."offset" LIMIT $4`,
      [topic, partition, fromOffset.toString(), this.maxBatchSize],
    );
    return rows.map((row) => ({
      topic,
      partition,
      offset: row.offset,
      key: row.message_key,
      value: row.value,
      headers: row.headers as MessageHeaders,
      timestamp: row.timestamp_ms,
    }));
  }

  /** Resolves when this instance appends to `topic`, or after the idle poll interval, or when `cancel` is called. */
  waitForAppend(topic: string, register: (cancel: () => void) => void): Promise<void> {
    return new Promise((resolve) => {
      const listeners = this.listeners.get(topic) ?? new Set<() => void>();
      this.listeners.set(topic, listeners);
      const done = (): void => {
        clearTimeout(timer);
        listeners.delete(done);
        resolve();
      };
      const timer = setTimeout(done, this.idlePollMs);
      listeners.add(done);
      register(done);
    });
  }

  async committedOffset(groupId: string, topic: string, partition: number): Promise<bigint | undefined> {
    const rows: { committed_offset: string }[] = await this.options.dataSource.query(
      `SELECT committed_offset::text AS committed_offset FROM ${this.s}.group_offsets WHERE group_id = $1 AND topic = $2 AND partition = $3`,
      [groupId, topic, partition],
    );
    return rows[0] === undefined ? undefined : BigInt(rows[0].committed_offset);
  }

  async commit(groupId: string, topic: string, partition: number, nextOffset: bigint): Promise<void> {
    await this.options.dataSource.query(
      `INSERT INTO ${this.s}.group_offsets (group_id, topic, partition, committed_offset) VALUES ($1, $2, $3, $4)
       ON CONFLICT (group_id, topic, partition) DO UPDATE SET committed_offset = EXCLUDED.committed_offset`,
      [groupId, topic, partition, nextOffset.toString()],
    );
  }

  async committedOffsets(groupId: string, topic: string): Promise<PartitionOffset[]> {
    await this.partitionCount(topic);
    const rows: { partition: number; offset: string }[] = await this.options.dataSource.query(
      `SELECT p.partition, COALESCE(o.committed_offset, -1)::text AS "offset"
       FROM ${this.s}.partitions p
       LEFT JOIN ${this.s}.group_offsets o ON o.group_id = $1 AND o.topic = p.topic AND o.partition = p.partition
       WHERE p.topic = $2 ORDER BY p.partition`,
      [groupId, topic],
    );
    return rows.map((r) => ({ partition: r.partition, offset: r.offset }));
  }

  async endOffsets(topic: string): Promise<PartitionOffset[]> {
    await this.partitionCount(topic);
    const rows: { partition: number; offset: string }[] = await this.options.dataSource.query(
      `SELECT partition, next_offset::text AS "offset" FROM ${this.s}.partitions WHERE topic = $1 ORDER BY partition`,
      [topic],
    );
    return rows.map((r) => ({ partition: r.partition, offset: r.offset }));
  }

  async endOffset(topic: string, partition: number): Promise<bigint> {
    const rows: { offset: string }[] = await this.options.dataSource.query(
      `SELECT next_offset::text AS "offset" FROM ${this.s}.partitions WHERE topic = $1 AND partition = $2`,
      [topic, partition],
    );
    return BigInt(rows[0]?.offset ?? '0');
  }
}

class EmbeddedProducer implements TransportProducer {
  constructor(private readonly log: EmbeddedLog) {}

  async connect(): Promise<void> {
    this.log.assertReady();
  }

  async send(batch: readonly TopicMessages[]): Promise<void> {
    this.log.assertReady();
    await this.log.append(batch);
  }

  async disconnect(): Promise<void> {
    // Nothing is held between sends.
  }
}

class EmbeddedAdmin implements TransportAdmin {
  constructor(private readonly log: EmbeddedLog) {}

  async connect(): Promise<void> {
    this.log.assertReady();
  }

  createTopics(topics: readonly TopicSpec[]): Promise<void> {
    return this.log.createTopics(topics);
  }

  partitionCount(topic: string): Promise<number> {
    return this.log.partitionCount(topic);
  }

  committedOffsets(groupId: string, topic: string): Promise<PartitionOffset[]> {
    return this.log.committedOffsets(groupId, topic);
  }

  endOffsets(topic: string): Promise<PartitionOffset[]> {
    return this.log.endOffsets(topic);
  }

  async disconnect(): Promise<void> {
    // Nothing is held.
  }
}

/**
 * Consumer groups of one transport instance: partitions of each subscribed topic are dealt round-robin to the
 * group's members in join order; a join or leave re-deals them, and a partition moves only after its previous
 * owner finished its batch and committed (so no partition is ever read by two members at once).
 */
class GroupCoordinator {
  private readonly groups = new Map<string, EmbeddedConsumer[]>();
  // Rebalances run one at a time, in the order they were asked for.
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly log: EmbeddedLog) {}

  join(member: EmbeddedConsumer): Promise<void> {
    return this.rebalance(member.groupId, (members) => [...members, member]);
  }

  leave(member: EmbeddedConsumer): Promise<void> {
    return this.rebalance(member.groupId, (members) => members.filter((m) => m !== member));
  }

  private rebalance(groupId: string, change: (members: EmbeddedConsumer[]) => EmbeddedConsumer[]): Promise<void> {
    const next = this.queue.then(async () => {
      const members = change(this.groups.get(groupId) ?? []);
      this.groups.set(groupId, members);
      const assignment = new Map<EmbeddedConsumer, Array<{ topic: string; partition: number }>>(members.map((m) => [m, []]));
      const topics = [...new Set(members.flatMap((m) => m.topics))].sort();
      for (const topic of topics) {
        const subscribers = members.filter((m) => m.topics.includes(topic));
        const partitions = await this.log.partitionCount(topic);
        for (let partition = 0; partition < partitions; partition++) {
          assignment.get(subscribers[partition % subscribers.length] as EmbeddedConsumer)?.push({ topic, partition });
        }
      }
      // Revoke everywhere first, then assign: a partition's old owner has finished before its new one starts.
      await Promise.all(members.map((m) => m.revokeExcept(assignment.get(m) ?? [])));
      for (const m of members) m.assign(assignment.get(m) ?? []);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}

/** At most `size` holders at once. */
class Slots {
  private free: number;
  private readonly waiting: Array<() => void> = [];

  constructor(size: number) {
    this.free = size;
  }

  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

class EmbeddedConsumer implements TransportConsumer {
  readonly groupId: string;
  topics: readonly string[] = [];
  private fromBeginning = false;
  private handler: ConsumerRunOptions | undefined;
  private running = false;
  private readonly workers = new Map<string, PartitionWorker>();
  private readonly slots: Slots;

  constructor(
    readonly log: EmbeddedLog,
    private readonly coordinator: GroupCoordinator,
    options: TransportConsumerOptions,
  ) {
    this.groupId = options.groupId;
    this.slots = new Slots(Math.max(1, options.partitionsConsumedConcurrently ?? 1));
  }

  async connect(): Promise<void> {
    this.log.assertReady();
  }

  async subscribe(options: SubscribeOptions): Promise<void> {
    if (this.running) throw new MessagingConfigurationError(`Consumer group ${this.groupId}: subscribe before run(), not after.`);
    for (const topic of options.topics) await this.log.partitionCount(topic);
    this.topics = [...new Set([...this.topics, ...options.topics])];
    this.fromBeginning = options.fromBeginning;
  }

  async run(options: ConsumerRunOptions): Promise<void> {
    if (this.running) throw new MessagingConfigurationError(`Consumer group ${this.groupId}: run() was already called on this consumer.`);
    if (this.topics.length === 0) throw new MessagingConfigurationError(`Consumer group ${this.groupId}: subscribe to at least one topic before run().`);
    this.handler = options;
    this.running = true;
    await this.coordinator.join(this);
  }

  seek(position: { readonly topic: string; readonly partition: number; readonly offset: string }): void {
    const worker = this.workers.get(partitionId(position.topic, position.partition));
    if (!worker) {
      throw new MessagingConfigurationError(
        `Consumer group ${this.groupId}: cannot seek ${position.topic}[${position.partition}]: this member is not assigned that partition.`,
      );
    }
    worker.seek(BigInt(position.offset));
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.coordinator.leave(this);
  }

  async disconnect(): Promise<void> {
    await this.stop();
  }

  isRunning(): boolean {
    return this.running;
  }

  /** Where a newly assigned partition starts: its committed offset, else the beginning or the end. */
  async startOffset(topic: string, partition: number): Promise<bigint> {
    const committed = await this.log.committedOffset(this.groupId, topic, partition);
    if (committed !== undefined) return committed;
    return this.fromBeginning ? 0n : this.log.endOffset(topic, partition);
  }

  async revokeExcept(keep: ReadonlyArray<{ topic: string; partition: number }>): Promise<void> {
    const kept = new Set(keep.map((p) => partitionId(p.topic, p.partition)));
    const revoked = [...this.workers.entries()].filter(([id]) => !kept.has(id));
    await Promise.all(revoked.map(([, worker]) => worker.stop()));
    for (const [id] of revoked) this.workers.delete(id);
  }

  assign(partitions: ReadonlyArray<{ topic: string; partition: number }>): void {
    if (!this.running || !this.handler) return;
    for (const { topic, partition } of partitions) {
      const id = partitionId(topic, partition);
      if (this.workers.has(id)) continue;
      const worker = new PartitionWorker(this, topic, partition, this.handler, this.slots);
      this.workers.set(id, worker);
      worker.start();
    }
  }
}

function partitionId(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** Reads one partition for one member, in offset order, until revoked or stopped. */
class PartitionWorker {
  private active = true;
  private pendingSeek: bigint | undefined;
  private wake: (() => void) | undefined;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly consumer: EmbeddedConsumer,
    private readonly topic: string,
    private readonly partition: number,
    private readonly handler: ConsumerRunOptions,
    private readonly slots: Slots,
  ) {}

  start(): void {
    this.loop = this.run().catch((error: unknown) => {
      this.consumer.log.logger.error('embedded partition reader stopped on an unexpected error', {
        topic: this.topic,
        partition: this.partition,
        groupId: this.consumer.groupId,
        error: (error as Error).message,
      });
    });
  }

  seek(offset: bigint): void {
    this.pendingSeek = offset;
    this.wake?.();
  }

  /** Lets the batch in progress finish (it sees isStale/isRunning turn), then ends the loop. */
  async stop(): Promise<void> {
    this.active = false;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { log, groupId } = this.consumer;
    let position = await this.consumer.startOffset(this.topic, this.partition);
    while (this.active) {
      if (this.pendingSeek !== undefined) {
        position = this.pendingSeek;
        this.pendingSeek = undefined;
      }
      const messages = await log.read(this.topic, this.partition, position);
      if (messages.length === 0) {
        if (this.active && this.pendingSeek === undefined) {
          await log.waitForAppend(this.topic, (cancel) => (this.wake = cancel));
          this.wake = undefined;
        }
        continue;
      }
      let lastMarked: bigint | undefined;
      let lastCommitted: bigint | undefined;
      const batch: ConsumedBatch = {
        topic: this.topic,
        partition: this.partition,
        messages,
        isRunning: () => this.active && this.consumer.isRunning(),
        isStale: () => !this.active || this.pendingSeek !== undefined,
        markProcessed: (message) => {
          if (message.topic !== this.topic || message.partition !== this.partition) {
            throw new MessagingConfigurationError(
              `markProcessed got ${message.topic}[${message.partition}]@${message.offset} inside a batch of ${this.topic}[${this.partition}].`,
            );
          }
          lastMarked = BigInt(message.offset);
        },
        commit: async () => {
          if (lastMarked === undefined || lastMarked === lastCommitted) return;
          const marked = lastMarked;
          await log.commit(groupId, this.topic, this.partition, marked + 1n);
          lastCommitted = marked;
        },
        heartbeat: async () => undefined,
      };
      await this.slots.acquire();
      try {
        await this.handler.eachBatch(batch);
        if (lastMarked !== undefined) position = lastMarked + 1n;
        else await new Promise((resolve) => setImmediate(resolve));
      } catch (error) {
        log.logger.warn('eachBatch rejected; the partition restarts from its committed offset', {
          topic: this.topic,
          partition: this.partition,
          groupId,
          error: (error as Error).message,
        });
        await sleep(log.restartDelayMs);
        position = await this.consumer.startOffset(this.topic, this.partition);
      } finally {
        this.slots.release();
      }
    }
  }
}
