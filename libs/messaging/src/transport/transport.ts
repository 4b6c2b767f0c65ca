/**
 * The transport contract: what the outbox relay and the event consumer need from a log-based broker.
 * Kafka (kafkajs) implements it today; an embedded, in-process transport implements the same contract so
 * that every service runs the very same code paths above it. `describeTransportContract` (testing/) is the
 * executable form of this contract: a transport is done when that suite passes against it.
 *
 * Semantics every implementation must give:
 * - A topic has a fixed number of partitions; a message's key picks its partition, so one key's messages
 *   stay in the order they were sent.
 * - Consumers join a consumer group; each partition is read by one member at a time, in offset order.
 * - A group's committed offset is the next offset to read. It survives consumer restarts (and, for the
 *   embedded transport, process restarts). A member that starts reading a partition starts at the committed
 *   offset, or at the beginning / end (per `fromBeginning`) when nothing was committed.
 * - Nothing is committed implicitly: only `ConsumedBatch.commit()` moves a group's committed offset.
 */

/** Header values are text: ids, trace context, error descriptions. */
export type MessageHeaders = Readonly<Record<string, string>>;

/** One message to append to a topic. */
export interface TransportMessage {
  /** Picks the partition; one key's messages keep their order. */
  readonly key: string;
  readonly value: Buffer;
  readonly headers: MessageHeaders;
}

export interface TopicMessages {
  readonly topic: string;
  /** Appended in this order (per partition). */
  readonly messages: readonly TransportMessage[];
}

export interface TransportProducer {
  connect(): Promise<void>;
  /**
   * Appends every message durably (all in-sync replicas), per partition in the order given.
   * Rejects when any message may not have been written; the caller then sends the whole batch again, and
   * consumers deduplicate by message id (a resend may append some messages twice, never reorder a key).
   */
  send(batch: readonly TopicMessages[]): Promise<void>;
  disconnect(): Promise<void>;
}

/** One message as read from a partition. */
export interface ConsumedMessage {
  readonly topic: string;
  readonly partition: number;
  /** Decimal string: offsets are 64-bit. */
  readonly offset: string;
  readonly key: string | null;
  /** null for a tombstone. */
  readonly value: Buffer | null;
  readonly headers: MessageHeaders;
  /** Broker or producer time, epoch milliseconds as a decimal string. */
  readonly timestamp: string;
}

/** Messages of one partition, in offset order, handed to `eachBatch`. */
export interface ConsumedBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly ConsumedMessage[];
  /** False once `stop()` was called: finish the current message, commit, return. */
  isRunning(): boolean;
  /** True once a seek or a rebalance made the rest of this batch obsolete: commit what is done, return. */
  isStale(): boolean;
  /** Marks a message done: the next batch of this partition (for this member) starts after it. */
  markProcessed(message: ConsumedMessage): void;
  /** Commits the offset after the last message marked processed in this partition, for the group. Works while stopping. */
  commit(): Promise<void>;
  /** Tells the group this member is alive during long work (rate-limited by the implementation). */
  heartbeat(): Promise<void>;
}

export interface ConsumerRunOptions {
  /**
   * Called with batches of one partition at a time (partitions may run concurrently). Messages not marked
   * processed when it returns are delivered again. A rejection restarts consumption from the committed offset.
   */
  eachBatch(batch: ConsumedBatch): Promise<void>;
}

export interface TransportConsumerOptions {
  readonly groupId: string;
  /** Partitions processed at the same time by this member (each one still in order). */
  readonly partitionsConsumedConcurrently?: number;
}

export interface SubscribeOptions {
  readonly topics: readonly string[];
  /** Where a group with no committed offset starts: the beginning (true) or new messages only (false). */
  readonly fromBeginning: boolean;
}

export interface TransportConsumer {
  connect(): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<void>;
  /** Starts consuming in the background; resolves once consumption has started. */
  run(options: ConsumerRunOptions): Promise<void>;
  /** Replays a partition from `offset` (call after `run`): the next batch of that partition starts there. */
  seek(position: { readonly topic: string; readonly partition: number; readonly offset: string }): void;
  /** Stops fetching, waits for the batch in progress to return, leaves the group. */
  stop(): Promise<void>;
  /** `stop()`, then closes connections. */
  disconnect(): Promise<void>;
}

export interface TopicSpec {
  readonly topic: string;
  readonly partitions: number;
  readonly replicationFactor: number;
}

export interface PartitionOffset {
  readonly partition: number;
  /** Decimal string; "-1" when the group has committed nothing for the partition. */
  readonly offset: string;
}

export interface TransportAdmin {
  connect(): Promise<void>;
  /** Creates the topics that do not exist yet (existing ones are left as they are); returns when they accept writes. */
  createTopics(topics: readonly TopicSpec[]): Promise<void>;
  /** Number of partitions of an existing topic. */
  partitionCount(topic: string): Promise<number>;
  /** The group's committed offsets for a topic, one entry per partition. */
  committedOffsets(groupId: string, topic: string): Promise<PartitionOffset[]>;
  /** The offset the next appended message of each partition will get. */
  endOffsets(topic: string): Promise<PartitionOffset[]>;
  disconnect(): Promise<void>;
}

/** A broker: a factory of producers, consumers and admins that share its connection settings. */
export interface Transport {
  /** For logs and errors, e.g. "kafka 127.0.0.1:9092" or "embedded". */
  readonly name: string;
  producer(): TransportProducer;
  consumer(options: TransportConsumerOptions): TransportConsumer;
  admin(): TransportAdmin;
}
