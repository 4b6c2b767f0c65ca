import { createServer, Server, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;

/** Message types after which a connection that is not inside a transaction lets the others have their turn. */
const SYNC = 0x53; // 'S'
const QUERY = 0x51; // 'Q'
const PARSE = 0x50; // 'P'
const TERMINATE = 0x58; // 'X'
const NOTIFICATION_RESPONSE = 0x41; // 'A'

/** The SQL text of a Query ('Q': the text) or Parse ('P': statement name, then the text) message, shortened. */
function statementOf(message: Uint8Array, type: number): string {
  const body = Buffer.from(message.subarray(5, 600)).toString('utf8');
  const fields = body.split('\0');
  return ((type === PARSE ? fields[1] : fields[0]) ?? '').slice(0, 200);
}

/**
 * Finds the NotificationResponse messages in a backend's output stream (split anyhow into chunks). PGlite writes
 * a NOTIFY's notification into the output of the connection whose COMMIT sent it; in a real server it goes to
 * the sessions that LISTEN, so the server hands each one to every other connection too.
 */
class NotificationScanner {
  private pending: Buffer = Buffer.alloc(0);

  scan(chunk: Uint8Array, found: (message: Buffer) => void): void {
    this.pending = this.pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.pending, chunk]);
    let at = 0;
    while (this.pending.length - at >= 5) {
      const length = 1 + this.pending.readInt32BE(at + 1);
      if (this.pending.length - at < length) break;
      if (this.pending[at] === NOTIFICATION_RESPONSE) found(Buffer.from(this.pending.subarray(at, at + length)));
      at += length;
    }
    this.pending = this.pending.subarray(at);
  }
}

export interface PgliteServerOptions {
  readonly db: PGlite;
  readonly host?: string;
  readonly port?: number;
  /** Told when a connection has waited long for its turn (a transaction held open elsewhere). */
  readonly onSlowTurn?: (waitedMs: number, holder: string) => void;
  /** How long a connection may wait for its turn before onSlowTurn is told (default 30 s). */
  readonly slowTurnMs?: number;
  /** Told of a turn that held the database this long (default 1 s), with the statements it began with. */
  readonly onLongTurn?: (heldMs: number, statements: readonly string[]) => void;
  readonly longTurnMs?: number;
}

export interface PgliteServer {
  readonly host: string;
  readonly port: number;
  readonly connections: () => number;
  stop(): Promise<void>;
}

/**
 * Serves one PGlite database to ordinary PostgreSQL clients over TCP, many connections at once.
 *
 * PGlite is a single PostgreSQL backend, so connections take turns. A turn is a whole exchange, not a single
 * protocol message: from a connection's first message until its Sync (extended protocol) or Query (simple
 * protocol), and for as long after that as it has a transaction open. Interleaving at the message level (what
 * pglite-socket 0.2.17 does outside transactions) lets one client's Bind meet another's Parse; turns make each
 * connection see a backend of its own, except for session state: advisory locks, LISTEN and SET are shared.
 */
export async function startPgliteServer(options: PgliteServerOptions): Promise<PgliteServer> {
  const { db } = options;
  let owner: Socket | null = null;
  let waiters: Array<() => void> = [];
  const sockets = new Set<Socket>();

  let turnStartedAt = 0;
  let turnSql: string[] = [];
  const startTurn = (): void => {
    turnStartedAt = Date.now();
    turnSql = [];
  };
  const release = (socket: Socket): void => {
    if (owner !== socket) return;
    const held = Date.now() - turnStartedAt;
    if (held >= (options.longTurnMs ?? 1_000)) options.onLongTurn?.(held, turnSql.map((q) => q.slice(0, 80).replace(/\s+/g, ' ')));
    owner = null;
    const waking = waiters;
    waiters = [];
    for (const wake of waking) wake();
  };

  const acquire = async (socket: Socket): Promise<void> => {
    if (owner === null || owner === socket) {
      if (owner !== socket) startTurn();
      owner = socket;
      return;
    }
    const since = Date.now();
    // One report per long wait: a transaction held open elsewhere (or, worse, one waiting for this connection).
    const slow = setTimeout(() => options.onSlowTurn?.(Date.now() - since, (owner && lastSql.get(owner)) ?? '?'), options.slowTurnMs ?? 30_000);
    slow.unref();
    try {
      while (owner !== null && owner !== socket) await new Promise<void>((resolve) => waiters.push(resolve));
    } finally {
      clearTimeout(slow);
    }
    startTurn();
    owner = socket;
  };

  const scanners = new WeakMap<Socket, NotificationScanner>();
  /** The last statement each connection sent, for the slow-turn report. */
  const lastSql = new WeakMap<Socket, string>();
  const broadcast = (from: Socket, notification: Buffer): void => {
    for (const other of sockets) if (other !== from && other.writable) other.write(notification);
  };

  /** Runs one message as part of the socket's turn; ends the turn where an exchange ends outside a transaction. */
  const run = async (socket: Socket, message: Uint8Array, type: number | null): Promise<void> => {
    if (type === QUERY || type === PARSE) lastSql.set(socket, statementOf(message, type));
    await acquire(socket);
    if ((type === QUERY || type === PARSE) && turnSql.length < 12) turnSql.push(lastSql.get(socket) ?? '');
    if (socket.destroyed) {
      // Gone while it waited: nothing of its exchange may run (a Parse without its Sync would hold the turn forever).
      release(socket);
      return;
    }
    try {
      await db.runExclusive(() =>
        db.execProtocolRawStream(message, {
          onRawData: (data: Uint8Array) => {
            if (data.length === 0) return;
            if (socket.writable) socket.write(Buffer.from(data));
            scanners.get(socket)?.scan(data, (notification) => broadcast(socket, notification));
          },
        }),
      );
    } finally {
      const exchangeOver = type === null || type === SYNC || type === QUERY;
      if (exchangeOver && !(db as unknown as { isInTransaction(): boolean }).isInTransaction()) release(socket);
    }
  };

  /** A client gone in the middle of its turn: roll back what it left open, then let the others on. */
  const abandon = async (socket: Socket): Promise<void> => {
    sockets.delete(socket);
    if (owner !== socket) return;
    try {
      if ((db as unknown as { isInTransaction(): boolean }).isInTransaction()) await db.exec('ROLLBACK');
    } finally {
      release(socket);
    }
  };

  const serve = (socket: Socket): void => {
    sockets.add(socket);
    scanners.set(socket, new NotificationScanner());
    socket.setNoDelay(true);
    let buffer: Buffer = Buffer.alloc(0);
    let started = false;
    let chain: Promise<void> = Promise.resolve();
    let closed = false;

    const process = async (): Promise<void> => {
      for (;;) {
        if (closed) return;
        if (!started) {
          if (buffer.length < 8) return;
          const length = buffer.readInt32BE(0);
          const code = buffer.readInt32BE(4);
          if (buffer.length < length) return;
          const message = buffer.subarray(0, length);
          buffer = buffer.subarray(length);
          if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
            socket.write('N');
            continue;
          }
          if (code === CANCEL_REQUEST) {
            socket.end();
            return;
          }
          if (code !== PROTOCOL_3) {
            socket.end();
            return;
          }
          started = true;
          await run(socket, new Uint8Array(message), null);
          continue;
        }
        if (buffer.length < 5) return;
        const type = buffer[0] as number;
        const length = 1 + buffer.readInt32BE(1);
        if (buffer.length < length) return;
        const message = buffer.subarray(0, length);
        buffer = buffer.subarray(length);
        if (type === TERMINATE) {
          socket.end();
          return;
        }
        await run(socket, new Uint8Array(message), type);
      }
    };

    socket.on('data', (chunk: Buffer) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      chain = chain.then(process).catch(() => {
        socket.destroy();
      });
    });
    const close = (): void => {
      if (closed) return;
      closed = true;
      chain = chain.then(() => abandon(socket)).catch(() => undefined);
    };
    socket.on('close', close);
    socket.on('error', close);
  };

  const server: Server = createServer(serve);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    host: address.address,
    port: address.port,
    connections: () => sockets.size,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
