import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { startPgliteServer, type PgliteServer } from './pglite-server';

export interface EmbeddedPostgres {
  /** `postgres://` URL of the socket server in front of PGlite, for the ordinary `pg` driver and TypeORM. */
  readonly url: string;
  readonly dataDir: string;
  /** Stops the socket server and closes PGlite (flushing it to the data folder). Idempotent. */
  stop(): Promise<void>;
}

export class DataDirInUseError extends Error {
  constructor(dataDir: string, pid: number) {
    super(`the data folder ${dataDir} is in use by another Switchyard platform (pid ${pid}); stop it first, or start this one with --data-dir <another folder>`);
  }
}

/**
 * Whether a process with this pid is alive (signal 0 checks without sending anything). A zombie, a process that
 * ended but that nobody has reaped yet (a killed platform whose parent died with it, in a container whose first
 * process does not reap), answers signal 0 too: on Linux its state in /proc says it is gone.
 */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch (error) {
    // Reaped between the two looks: gone. Without /proc at all (not Linux), signal 0 is all there is to go by.
    return (error as NodeJS.ErrnoException).code !== 'ENOENT' || !existsSync('/proc/self/stat');
  }
}

/**
 * Takes `<dataDir>/platform.lock` for this process: PGlite is one PostgreSQL backend over plain files, and two
 * processes on one folder would corrupt it. A lock left by a process that died (a crash, kill -9) is taken over.
 */
export function lockDataDir(dataDir: string): () => void {
  const lockFile = path.join(dataDir, 'platform.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockFile, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(readFileSync(lockFile, 'utf8'), 10);
      if (Number.isInteger(holder) && holder !== process.pid && alive(holder)) throw new DataDirInUseError(dataDir, holder);
      rmSync(lockFile, { force: true });
    }
  }
  throw new Error(`could not take the lock ${lockFile}`);
}

/**
 * PostgreSQL in this process: PGlite (PostgreSQL compiled to WebAssembly) keeping its files in
 * `<dataDir>/pg`, served on a loopback port (pglite-server.ts) so that the services' own `pg` pools and
 * migrations run unchanged. Connections take turns on PGlite's one backend: isolation holds; there is no parallelism.
 */
export interface EmbeddedPostgresOptions {
  readonly dataDir: string;
  /** A connection waited long for its turn: a transaction held open elsewhere. */
  readonly onSlowTurn?: (waitedMs: number, holder: string) => void;
  /** A turn held the database long. */
  readonly onLongTurn?: (heldMs: number, statements: readonly string[]) => void;
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const dataDir = path.resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const unlock = lockDataDir(dataDir);
  let db: PGlite | undefined;
  let server: PgliteServer | undefined;
  try {
    db = await PGlite.create({ dataDir: path.join(dataDir, 'pg') });
    server = await startPgliteServer({ db, host: '127.0.0.1', port: 0, onSlowTurn: options.onSlowTurn, onLongTurn: options.onLongTurn });
  } catch (error) {
    await server?.stop().catch(() => undefined);
    await db?.close().catch(() => undefined);
    unlock();
    throw new Error(
      `the embedded PostgreSQL in ${dataDir} did not start: ${(error as Error).message}. If its files are damaged, start afresh with --reset (every order and key in it is lost) or another --data-dir`,
    );
  }
  const port = server.port;
  const started = { db, server };
  let stopping: Promise<void> | undefined;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dataDir,
    stop: () => {
      stopping ??= (async () => {
        try {
          await started.server.stop();
          await started.db.close();
        } finally {
          unlock();
        }
      })();
      return stopping;
    },
  };
}
