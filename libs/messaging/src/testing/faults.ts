import { ConsumedBatch, TopicMessages, Transport, TransportProducer } from '../transport/transport';

/** Raised by the fault wrappers below in place of a process dying. */
export class SimulatedCrash extends Error {
  override readonly name = 'SimulatedCrash';
}

/**
 * The transport, except that consumers' offset commits never reach the broker: what a consumer killed right
 * after its transaction committed leaves behind. Everything else goes to the real broker.
 */
export function withCommitsLost(transport: Transport): Transport {
  return {
    ...transport,
    name: `${transport.name} (commits lost)`,
    producer: () => transport.producer(),
    admin: () => transport.admin(),
    consumer: (options) => {
      const consumer = transport.consumer(options);
      return {
        connect: () => consumer.connect(),
        subscribe: (subscription) => consumer.subscribe(subscription),
        run: (run) => consumer.run({ eachBatch: (batch) => run.eachBatch({ ...bindBatch(batch), commit: async () => undefined }) }),
        seek: (position) => consumer.seek(position),
        stop: () => consumer.stop(),
        disconnect: () => consumer.disconnect(),
      };
    },
  };
}

export interface FailingSends {
  readonly transport: Transport;
  /** send() calls that failed so far. */
  readonly failures: () => number;
}

/**
 * The transport, except that every producer send fails: `before` the broker gets the messages (a relay killed
 * before publishing), or `after` the broker has appended them (a relay killed between publish and delete).
 */
export function withFailingSends(transport: Transport, when: 'before' | 'after'): FailingSends {
  let failures = 0;
  const producer = (): TransportProducer => {
    const real = transport.producer();
    return {
      connect: () => real.connect(),
      disconnect: () => real.disconnect(),
      send: async (batch: readonly TopicMessages[]) => {
        if (when === 'after') await real.send(batch);
        failures++;
        throw new SimulatedCrash(`simulated crash ${when} publishing ${batch.length} topic batch(es)`);
      },
    };
  };
  return {
    transport: { ...transport, name: `${transport.name} (sends fail ${when} publishing)`, producer, consumer: (o) => transport.consumer(o), admin: () => transport.admin() },
    failures: () => failures,
  };
}

// Spreading would lose methods defined on a prototype; bind each member instead.
function bindBatch(batch: ConsumedBatch): ConsumedBatch {
  return {
    topic: batch.topic,
    partition: batch.partition,
    messages: batch.messages,
    isRunning: () => batch.isRunning(),
    isStale: () => batch.isStale(),
    markProcessed: (message) => batch.markProcessed(message),
    commit: () => batch.commit(),
    heartbeat: () => batch.heartbeat(),
  };
}
