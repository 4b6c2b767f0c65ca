import { parseBrokers } from '@switchyard/infra';
import { uniqueName } from '../testing/messaging-test-kit';
import { describeTransportContract } from '../testing/transport-contract';
import { createKafkaTransport } from './kafka-transport';

// The Kafka transport against the real broker of the test run (KAFKA_BROKERS from the infra global setup).
describeTransportContract('kafka', async () => {
  const brokers = parseBrokers(process.env['KAFKA_BROKERS'] ?? '');
  let clients = 0;
  return {
    create: () => createKafkaTransport({ brokers, clientId: `messaging-contract-${++clients}`, maxWaitTimeMs: 200 }),
    dispose: async () => undefined,
  };
});

describe('kafka transport topics', () => {
  it('lets several services create the same topics at once and subscribe straight after', async () => {
    const brokers = parseBrokers(process.env['KAFKA_BROKERS'] ?? '');
    const topics = Array.from({ length: 6 }, () => uniqueName('race'));
    const clients = Array.from({ length: 5 }, (_, i) => createKafkaTransport({ brokers, clientId: `topic-race-${i}`, maxWaitTimeMs: 200 }));

    await Promise.all(
      clients.map(async (transport, i) => {
        const admin = transport.admin();
        await admin.connect();
        await admin.createTopics(topics.map((topic) => ({ topic, partitions: 3, replicationFactor: 1 })));
        await admin.disconnect();
        const consumer = transport.consumer({ groupId: `topic-race-group-${i}-${topics[0]}` });
        await consumer.connect();
        await consumer.subscribe({ topics, fromBeginning: true });
        await consumer.disconnect();
      }),
    );

    const admin = clients[0]?.admin();
    await admin?.connect();
    for (const topic of topics) expect(await admin?.partitionCount(topic)).toBe(3);
    await admin?.disconnect();
  });
});
