import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { startPgliteServer } from '../pglite-server';

// PGlite loads parts of itself with dynamic import(), which Jest's module runtime refuses: tests run the wire
// server in a process of its own with this script (`<data dir>` as argument) and talk to it with pg.
async function main(): Promise<void> {
  const dataDir = process.argv[2];
  if (!dataDir) throw new Error('usage: pglite-server-process <data dir>');
  const db = await PGlite.create({ dataDir: path.join(dataDir, 'pg') });
  const server = await startPgliteServer({ db });
  process.stdout.write(`listening on ${server.port}\n`);
  process.once('SIGTERM', () => {
    void server
      .stop()
      .then(() => db.close())
      .then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
