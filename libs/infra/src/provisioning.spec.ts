import { brokerProperties, checkJavaToolchain, ensureKafkaJars } from './kafka/local-broker';
import { parseBrokers, provideKafka } from './kafka/provide-kafka';
import { silentLog } from './log';

function withPath<T>(value: string, work: () => T): T {
  const saved = process.env['PATH'];
  process.env['PATH'] = value;
  try {
    return work();
  } finally {
    process.env['PATH'] = saved;
  }
}

describe('Kafka provisioning', () => {
  it('writes a loopback-only KRaft combined node with no topic auto-creation', () => {
    const properties = brokerProperties({ brokerPort: 4000, controllerPort: 4001, dataDir: '/data', defaultPartitions: 6 });
    expect(properties).toContain('process.roles=broker,controller\n');
    expect(properties).toContain('listeners=PLAINTEXT://127.0.0.1:4000,CONTROLLER://127.0.0.1:4001\n');
    expect(properties).toContain('controller.quorum.voters=1@127.0.0.1:4001\n');
    expect(properties).toContain('num.partitions=6\n');
    expect(properties).toContain('auto.create.topics.enable=false\n');
    expect(properties).toContain('log.dirs=/data\n');
  });

  it('names Java when it is missing, and what to do instead', () => {
    expect(() => withPath('/nonexistent', () => checkJavaToolchain(false))).toThrow(/Java is not installed.*KAFKA_BROKERS/s);
  });

  it('reuses the cached jars without Maven on the second start', async () => {
    const first = await ensureKafkaJars(undefined, silentLog);
    // With no mvn (or java) on PATH, only the cache can answer.
    const saved = process.env['PATH'];
    process.env['PATH'] = '/nonexistent';
    try {
      await expect(ensureKafkaJars(undefined, silentLog)).resolves.toBe(first);
    } finally {
      process.env['PATH'] = saved;
    }
  });

  it('rejects a malformed KAFKA_BROKERS, naming the bad entry', () => {
    expect(() => parseBrokers('127.0.0.1:9092, kafka')).toThrow(/bad entry "kafka"/);
    expect(() => parseBrokers(' , ')).toThrow(/host:port/);
    expect(parseBrokers('a:1,b:2')).toEqual(['a:1', 'b:2']);
  });

  it('rejects an unknown SWITCHYARD_KAFKA mode', async () => {
    await expect(provideKafka({ env: { SWITCHYARD_KAFKA: 'zookeeper' }, log: silentLog })).rejects.toThrow(/external, container, local-jars/);
  });

  it('uses KAFKA_BROKERS when set, after checking the broker answers', async () => {
    const brokers = process.env['KAFKA_BROKERS'] ?? '';
    const kafka = await provideKafka({ env: { KAFKA_BROKERS: brokers }, log: silentLog });
    expect(kafka.source).toBe('external');
    expect(kafka.brokers).toEqual(brokers.split(','));
  });
});
