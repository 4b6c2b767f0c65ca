import { clip, DeadLetterHeaders, DeadLetterReason } from '../headers';
import { deadLetterTopic } from '../names';
import { ConsumedMessage, TopicMessages } from '../transport/transport';

export interface DeadLetter {
  readonly message: ConsumedMessage;
  readonly reason: DeadLetterReason;
  readonly error: unknown;
  readonly attempts: number;
  readonly groupId: string;
}

/** The copy of a failed message for `<topic>.dlq`: the original bytes and headers, plus what failed where. */
export function deadLetterRecord({ message, reason, error, attempts, groupId }: DeadLetter): TopicMessages {
  const err = error instanceof Error ? error : new Error(String(error));
  const headers: Record<string, string> = {
    ...message.headers,
    [DeadLetterHeaders.reason]: reason,
    [DeadLetterHeaders.error]: clip(err.message),
    [DeadLetterHeaders.errorType]: err.name,
    [DeadLetterHeaders.stack]: clip(err.stack ?? err.message),
    [DeadLetterHeaders.originalTopic]: message.topic,
    [DeadLetterHeaders.originalPartition]: String(message.partition),
    [DeadLetterHeaders.originalOffset]: message.offset,
    [DeadLetterHeaders.attempts]: String(attempts),
    [DeadLetterHeaders.consumerGroup]: groupId,
    [DeadLetterHeaders.failedAt]: new Date().toISOString(),
  };
  if (message.key !== null) headers[DeadLetterHeaders.originalKey] = message.key;
  return {
    topic: deadLetterTopic(message.topic),
    // Same key: one aggregate's dead letters stay in order too.
    messages: [{ key: message.key ?? '', value: message.value ?? Buffer.alloc(0), headers }],
  };
}
