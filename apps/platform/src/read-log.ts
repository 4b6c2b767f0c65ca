import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { EventCodec } from '@switchyard/contracts';
import { lockDataDir } from './embedded-postgres';

/**
 * Prints every event of a stopped embedded platform's log as JSON lines
 * (`{ topic, partition, offset, type, payload }`), straight from the data folder, for analysis and tests.
 * Usage: node apps/platform/bin/read-log.js <data-dir>
 */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const [dataDir] = argv;
  if (!dataDir || argv.length !== 1) {
    process.stderr.write('usage: read-log <data-dir>   (the folder of a stopped `npm start`, e.g. .switchyard/data)\n');
    process.exit(2);
  }
  // PGlite is one backend over plain files: never open a folder a running platform has open.
  const unlock = lockDataDir(path.resolve(dataDir));
  const db = await PGlite.create({ dataDir: path.join(path.resolve(dataDir), 'pg') });
  try {
    const codec = new EventCodec();
    const { rows } = await db.query<{ topic: string; partition: number; offset: string; value: Uint8Array | null }>(
      'SELECT topic, partition, "offset"::text AS "offset", value FROM embedded_bus.messages ORDER BY timestamp_ms, topic, partition, "offset"',
    );
    for (const row of rows) {
      let decoded: { type: string; payload: unknown } | { error: string };
      try {
        const event = row.value ? codec.decode(Buffer.from(row.value)) : undefined;
        decoded = event ? { type: event.type, payload: event.payload } : { error: 'no value' };
      } catch (error) {
        decoded = { error: (error as Error).message };
      }
      process.stdout.write(`${JSON.stringify({ topic: row.topic, partition: row.partition, offset: row.offset, ...decoded })}\n`);
    }
  } finally {
    await db.close();
    unlock();
  }
}
