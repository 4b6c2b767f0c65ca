import { MessagingConfigurationError } from './errors';
import { assertTopicName, deadLetterTopic } from './names';
import { Transport } from './transport/transport';

export interface TopicSettings {
  readonly partitions: number;
  /** 1 on a single local broker; 3 in production. */
  readonly replicationFactor: number;
}

/** Creates `topics` and each one's `<topic>.dlq` where they do not exist yet; existing topics are left as they are. */
export async function ensureTopics(transport: Transport, topics: readonly string[], settings: TopicSettings): Promise<void> {
  topics.forEach(assertTopicName);
  if (!Number.isInteger(settings.partitions) || settings.partitions < 1 || !Number.isInteger(settings.replicationFactor) || settings.replicationFactor < 1) {
    throw new MessagingConfigurationError(
      `Topic settings need whole numbers of at least 1; got partitions ${settings.partitions}, replicationFactor ${settings.replicationFactor}.`,
    );
  }
  const names = [...new Set(topics.flatMap((topic) => [topic, deadLetterTopic(topic)]))];
  const admin = transport.admin();
  await admin.connect();
  try {
    await admin.createTopics(names.map((topic) => ({ topic, ...settings })));
  } finally {
    await admin.disconnect();
  }
}
