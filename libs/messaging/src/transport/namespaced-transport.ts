import { MessagingConfigurationError } from '../errors';
import { ConsumedBatch, ConsumedMessage, Transport, TransportConsumer } from './transport';

// Kafka's topic-name characters; the dot separates the namespace from the logical name.
const NAMESPACE = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * The transport with every topic name and consumer group id prefixed by `<namespace>.` on the broker, and the
 * prefix removed again on what is consumed: services keep their logical names while several environments
 * (test runs, tenants, a demo beside a staging stack) share one broker without reading each other's messages
 * or joining each other's groups.
 */
export function namespacedTransport(transport: Transport, namespace: string): Transport {
  if (!NAMESPACE.test(namespace)) {
    throw new MessagingConfigurationError(`Topic namespace "${namespace}" is not allowed: use 1 to 64 characters among a-z A-Z 0-9 _ - (e.g. "staging").`);
  }
  const prefix = `${namespace}.`;
  const physical = (topic: string): string => `${prefix}${topic}`;
  const logical = (topic: string): string => (topic.startsWith(prefix) ? topic.slice(prefix.length) : topic);
  const unwrapMessage = (message: ConsumedMessage): ConsumedMessage => ({ ...message, topic: logical(message.topic) });

  return {
    name: `${transport.name} (namespace ${namespace})`,
    producer: () => {
      const producer = transport.producer();
      return {
        connect: () => producer.connect(),
        disconnect: () => producer.disconnect(),
        send: (batch) => producer.send(batch.map((entry) => ({ ...entry, topic: physical(entry.topic) }))),
      };
    },
    admin: () => {
      const admin = transport.admin();
      return {
        connect: () => admin.connect(),
        disconnect: () => admin.disconnect(),
        createTopics: (topics) => admin.createTopics(topics.map((spec) => ({ ...spec, topic: physical(spec.topic) }))),
        partitionCount: (topic) => admin.partitionCount(physical(topic)),
        committedOffsets: (groupId, topic) => admin.committedOffsets(physical(groupId), physical(topic)),
        endOffsets: (topic) => admin.endOffsets(physical(topic)),
      };
    },
    consumer: (options): TransportConsumer => {
      const consumer = transport.consumer({ ...options, groupId: physical(options.groupId) });
      // The batch's messages are given back with logical names; markProcessed maps them to the originals.
      const originals = new WeakMap<ConsumedMessage, ConsumedMessage>();
      return {
        connect: () => consumer.connect(),
        subscribe: (subscription) => consumer.subscribe({ ...subscription, topics: subscription.topics.map(physical) }),
        run: (run) =>
          consumer.run({
            eachBatch: (batch) => {
              const messages = batch.messages.map((message) => {
                const mapped = unwrapMessage(message);
                originals.set(mapped, message);
                return mapped;
              });
              const mappedBatch: ConsumedBatch = {
                topic: logical(batch.topic),
                partition: batch.partition,
                messages,
                isRunning: () => batch.isRunning(),
                isStale: () => batch.isStale(),
                markProcessed: (message) => batch.markProcessed(originals.get(message) ?? { ...message, topic: physical(message.topic) }),
                commit: () => batch.commit(),
                heartbeat: () => batch.heartbeat(),
              };
              return run.eachBatch(mappedBatch);
            },
          }),
        seek: (position) => consumer.seek({ ...position, topic: physical(position.topic) }),
        stop: () => consumer.stop(),
        disconnect: () => consumer.disconnect(),
      };
    },
  };
}
