import { parseBrokers } from '@switchyard/infra';
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
