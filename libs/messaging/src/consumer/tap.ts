import type { ConsumedMessage, Transport } from '../transport/transport';

export interface TapOptions {
  /** A group of the tap's own: it never commits, so each tap reads as if it were the first. */
  readonly groupId: string;
  readonly topics: readonly string[];
  /** From the start of each topic (default), or only what is appended from now on. */
  readonly fromBeginning?: boolean;
  readonly partitionsConsumedConcurrently?: number;
  /** What a message the observer threw on means to it (counted, logged...); the tap then goes on with the next. */
  readonly onError: (error: unknown, message: ConsumedMessage) => void;
}

/** A running tap: `stop()` leaves the group and closes the connection. */
export interface Tap {
  stop(): Promise<void>;
}

/**
 * A read-only look at topics for observers (the progress line, the benchmark, the demo's replenishment): every
 * message goes to `onMessage` in partition order, and nothing is committed. Unlike a service's consumer there is no
 * inbox, no retry and no dead-lettering: a message `onMessage` throws on goes to `onError` and is passed over, so an
 * observer never holds up its own reading (and never sees a message twice because of its own failure).
 */
export async function tapTopics(transport: Transport, options: TapOptions, onMessage: (message: ConsumedMessage) => void | Promise<void>): Promise<Tap> {
  const consumer = transport.consumer({ groupId: options.groupId, partitionsConsumedConcurrently: options.partitionsConsumedConcurrently });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: options.topics, fromBeginning: options.fromBeginning ?? true });
    await consumer.run({
      eachBatch: async (batch) => {
        for (const message of batch.messages) {
          if (!batch.isRunning() || batch.isStale()) return;
          try {
            await onMessage(message);
          } catch (error) {
            options.onError(error, message);
          }
          batch.markProcessed(message);
        }
      },
    });
  } catch (error) {
    await consumer.disconnect().catch(() => undefined);
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return { stop: () => (stopping ??= consumer.disconnect()) };
}
