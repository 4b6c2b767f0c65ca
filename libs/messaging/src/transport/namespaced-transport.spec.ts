import { randomUUID } from 'node:crypto';
import { parseBrokers } from '@switchyard/infra';
import { eventually } from '../testing/eventually';
import { readTopic, uniqueName } from '../testing/messaging-test-kit';
import { describeTransportContract } from '../testing/transport-contract';
import { createKafkaTransport } from './kafka-transport';
import { namespacedTransport } from './namespaced-transport';

const brokers = (): string[] => parseBrokers(process.env['KAFKA_BROKERS'] ?? '');

// A namespaced transport is still a transport: the whole contract, on the real broker.
describeTransportContract('kafka in a namespace', async () => {
  const namespace = `ns-${randomUUID().slice(0, 8)}`;
  let clients = 0;
  return {
    create: () => namespacedTransport(createKafkaTransport({ brokers: brokers(), clientId: `namespaced-${++clients}`, maxWaitTimeMs: 200 }), namespace),
    dispose: async () => undefined,
  };
});

describe('topic namespaces', () => {
  it('keeps two namespaces apart on one broker, under the same logical topic', async () => {
    const raw = createKafkaTransport({ brokers: brokers(), clientId: 'namespace-probe', maxWaitTimeMs: 200 });
    const [blue, green] = [namespacedTransport(raw, `blue-${randomUUID().slice(0, 8)}`), namespacedTransport(raw, `green-${randomUUID().slice(0, 8)}`)];
    const topic = uniqueName('orders');
    for (const [transport, colour] of [[blue, 'blue'], [green, 'green']] as const) {
      const admin = transport.admin();
      await admin.connect();
      await admin.createTopics([{ topic, partitions: 1, replicationFactor: 1 }]);
      await admin.disconnect();
      const producer = transport.producer();
      await producer.connect();
      await producer.send([{ topic, messages: [{ key: 'k', value: Buffer.from(colour), headers: {} }] }]);
      await producer.disconnect();
    }

    const [fromBlue] = await readTopic(blue, topic, 1);
    const [fromGreen] = await readTopic(green, topic, 1);

    expect(fromBlue?.value?.toString()).toBe('blue');
    expect(fromBlue?.topic).toBe(topic);
    expect(fromGreen?.value?.toString()).toBe('green');
    const admin = raw.admin();
    await admin.connect();
    await expect(admin.partitionCount(topic)).rejects.toThrow();
    await admin.disconnect();
  });

  it('keeps the consumer groups of two namespaces apart too', async () => {
    const raw = createKafkaTransport({ brokers: brokers(), clientId: 'namespace-groups', maxWaitTimeMs: 200 });
    const [blue, green] = [namespacedTransport(raw, `blue-${randomUUID().slice(0, 8)}`), namespacedTransport(raw, `green-${randomUUID().slice(0, 8)}`)];
    const topic = uniqueName('stock');
    const groupId = 'inventory';
    for (const transport of [blue, green]) {
      const admin = transport.admin();
      await admin.connect();
      await admin.createTopics([{ topic, partitions: 1, replicationFactor: 1 }]);
      await admin.disconnect();
    }
    const producer = blue.producer();
    await producer.connect();
    await producer.send([{ topic, messages: [{ key: 'k', value: Buffer.from('one'), headers: {} }] }]);
    await producer.disconnect();

    const consumer = blue.consumer({ groupId });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let consumed = 0;
    await consumer.run({
      eachBatch: async (batch) => {
        for (const message of batch.messages) batch.markProcessed(message);
        consumed += batch.messages.length;
        await batch.commit();
      },
    });
    const blueAdmin = blue.admin();
    await blueAdmin.connect();
    await eventually(async () => expect(await blueAdmin.committedOffsets(groupId, topic)).toEqual([{ partition: 0, offset: '1' }]));
    await consumer.disconnect();
    await blueAdmin.disconnect();
    expect(consumed).toBe(1);

    const greenAdmin = green.admin();
    await greenAdmin.connect();
    expect(await greenAdmin.committedOffsets(groupId, topic)).toEqual([{ partition: 0, offset: '-1' }]);
    await greenAdmin.disconnect();
  });

  it('refuses a namespace that would not make a valid topic name', () => {
    const raw = createKafkaTransport({ brokers: ['127.0.0.1:1'], clientId: 'unused' });
    expect(() => namespacedTransport(raw, 'has space')).toThrow(/Topic namespace "has space" is not allowed/);
  });
});
