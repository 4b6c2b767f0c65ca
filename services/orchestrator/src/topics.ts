import { ensureTopics, type OutgoingEvent, type TopicSettings, type Transport } from '@switchyard/messaging';

/**
 * Topics the orchestrator publishes to that are not known at start: one instruction topic per fulfilment location
 * (`fulfilment.instructions.{locationId}`). The broker does not create topics on first use, and the relay would stall
 * on a row for a missing topic, so each new one is created (with its .dlq) before the rows naming it commit.
 */
export class PublishedTopics {
  private readonly known: Set<string>;

  constructor(
    private readonly transport: Transport,
    private readonly settings: TopicSettings,
    declared: readonly string[],
  ) {
    this.known = new Set(declared);
  }

  async ensure(messages: readonly OutgoingEvent[]): Promise<void> {
    const missing = [...new Set(messages.map((m) => m.topic))].filter((topic) => !this.known.has(topic));
    if (missing.length === 0) return;
    // Creating an existing topic is a no-op, so a rolled-back transaction or a second instance does no harm.
    await ensureTopics(this.transport, missing, this.settings);
    for (const topic of missing) this.known.add(topic);
  }
}
