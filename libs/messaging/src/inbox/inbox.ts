import { EntityManager } from 'typeorm';
import { INBOX_TABLE } from '../migrations';
import { quotedSchema } from '../names';

export interface InboxEntry {
  readonly groupId: string;
  readonly messageId: string;
  readonly eventType: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** The record of messages a consumer group has applied, kept in the service's schema. */
export class Inbox {
  private readonly table: string;

  constructor(readonly schema: string) {
    this.table = `${quotedSchema(schema)}.${INBOX_TABLE}`;
  }

  /**
   * Records the message in the caller's transaction. False when the group already applied it: the caller then
   * skips the handler. A concurrent copy being applied right now makes this wait for that transaction's outcome.
   */
  async record(entityManager: EntityManager, entry: InboxEntry): Promise<boolean> {
    const rows: unknown[] = await entityManager.query(
      `INSERT INTO ${this.table} (consumer_group, message_id, event_type, topic, partition, "offset")
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (consumer_group, message_id) DO NOTHING RETURNING 1`,
      [entry.groupId, entry.messageId, entry.eventType, entry.topic, entry.partition, entry.offset],
    );
    return rows.length === 1;
  }

  /**
   * Forgets entries older than `olderThan` (keep them longer than any redelivery can take: the topics' retention),
   * at most `limit` of them when given, oldest first, so one call stays a short transaction. Returns how many.
   */
  async prune(entityManager: EntityManager, olderThan: Date, limit?: number): Promise<number> {
    const bounded = limit === undefined ? '' : ` AND (consumer_group, message_id) IN (
        SELECT consumer_group, message_id FROM ${this.table} WHERE processed_at < $1 ORDER BY processed_at LIMIT $2)`;
    const parameters: unknown[] = limit === undefined ? [olderThan] : [olderThan, limit];
    // TypeORM answers a DELETE with [rows, affected].
    const [, affected] = (await entityManager.query(`DELETE FROM ${this.table} WHERE processed_at < $1${bounded}`, parameters)) as [unknown[], number];
    return affected;
  }
}
