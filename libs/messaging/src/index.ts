// Public API of @switchyard/messaging: the transport contract and its Kafka implementation, the transactional
// outbox and its relay, the inbox-backed event consumer with retries and dead letters, tracing, and the NestJS shell.
export type {
  ConsumedBatch,
  ConsumedMessage,
  ConsumerRunOptions,
  MessageHeaders,
  PartitionOffset,
  SubscribeOptions,
  TopicMessages,
  TopicSpec,
  Transport,
  TransportAdmin,
  TransportConsumer,
  TransportConsumerOptions,
  TransportMessage,
  TransportProducer,
} from './transport/transport';
export { createKafkaTransport, type KafkaTransportOptions } from './transport/kafka-transport';
export { createEmbeddedTransport, type EmbeddedTransportOptions } from './embedded/embedded-transport';
export { namespacedTransport } from './transport/namespaced-transport';
export { DEFAULT_EMBEDDED_SCHEMA, embeddedTransportMigration } from './embedded/embedded-migration';
export { FatalError, MessagingConfigurationError, RetriableError, TransportError, isDatabaseUnavailable } from './errors';
export { DeadLetterHeaders, Headers, type DeadLetterReason } from './headers';
export { JsonLogger, silentLogger, type JsonLoggerOptions, type LogFields, type LogLevel, type MessagingLogger } from './logger';
export { DLQ_SUFFIX, deadLetterTopic } from './names';
export { INBOX_TABLE, OUTBOX_TABLE, messagingMigration } from './migrations';
export { Outbox, type OutboxOptions, type OutgoingEvent } from './outbox/outbox';
export { OutboxRelay, type OutboxRelayOptions } from './outbox/relay';
export { Inbox, type InboxEntry } from './inbox/inbox';
export {
  EventConsumer,
  type EventConsumerOptions,
  type EventHandler,
  type EventHandlers,
  type MessageContext,
  type MessageMetadata,
  type ReceivedEvent,
  type TransactionalOutbox,
} from './consumer/event-consumer';
export { tapTopics, type Tap, type TapOptions } from './consumer/tap';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry';
export { ensureTopics, type TopicSettings } from './topics';
export { extractTraceContext, injectTraceContext } from './tracing/trace-context';
export { startTracing, type StartTracingOptions, type Tracing } from './tracing/start-tracing';
export { SwitchyardContext, SwitchyardExceptionFilter, SwitchyardServer, type SwitchyardServerOptions } from './nest/switchyard-server';
