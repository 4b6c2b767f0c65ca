import { TopicMessages, Transport, TransportProducer } from './transport';

/**
 * A producer that is replaced after any failed send. kafkajs's idempotent producer can stay out of step with
 * the broker after a broker failure (OUT_OF_ORDER_SEQUENCE_NUMBER on every later send; kafkajs#598); a fresh
 * one gets a new producer id. Callers resend the whole failed batch, so per-partition order still holds.
 */
export class RecoveringProducer {
  private current: TransportProducer | undefined;

  constructor(private readonly transport: Transport) {}

  async connect(): Promise<void> {
    if (this.current) return;
    const producer = this.transport.producer();
    await producer.connect();
    this.current = producer;
  }

  async send(batch: readonly TopicMessages[]): Promise<void> {
    try {
      await this.connect();
      await (this.current as TransportProducer).send(batch);
    } catch (error) {
      const failed = this.current;
      this.current = undefined;
      await failed?.disconnect().catch(() => undefined);
      throw error;
    }
  }

  async disconnect(): Promise<void> {
    const producer = this.current;
    this.current = undefined;
    await producer?.disconnect();
  }
}
