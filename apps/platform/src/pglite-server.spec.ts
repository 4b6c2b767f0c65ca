import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Pool } from 'pg';

// The wire server in front of PGlite (in a process of its own: see testing/pglite-server-process.ts), with the
// ordinary pg driver: many connections, one backend.
describe('pglite server', () => {
  let dir: string;
  let child: ChildProcess;
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'switchyard-pglite-'));
    child = spawn(process.execPath, ['-r', '@swc-node/register', path.join(__dirname, 'testing', 'pglite-server-process.ts'), dir], {
      cwd: path.resolve(__dirname, '../../..'),
      env: { ...process.env, SWC_NODE_PROJECT: 'tsconfig.base.json' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      let output = '';
      const collect = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (\d+)/.exec(output);
        if (match) resolve(Number(match[1]));
      };
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
      child.once('exit', (code) => reject(new Error(`the PGlite server exited with ${code}: ${output}`)));
    });
    url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  });

  afterAll(async () => {
    // exitCode stays null for a process ended by a signal: waiting for its 'exit' then would wait forever.
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      // A server that does not stop on SIGTERM is killed rather than left running after the suite.
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers many connections running parameterised queries at once, each its own answer', async () => {
    const pool = new Pool({ connectionString: url, max: 12 });
    try {
      const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => pool.query<{ n: number; t: string }>('SELECT $1::int AS n, $2::text AS t', [i, `v${i}`])));
      expect(answers.map((a) => a.rows[0])).toEqual(Array.from({ length: 200 }, (_, i) => ({ n: i, t: `v${i}` })));
    } finally {
      await pool.end();
    }
  });

  it('keeps a transaction to itself until it ends: others wait, and see only what was committed', async () => {
    const setup = new Client({ connectionString: url });
    await setup.connect();
    await setup.query('CREATE TABLE IF NOT EXISTS counter (id int PRIMARY KEY, n int NOT NULL)');
    await setup.query('INSERT INTO counter VALUES (1, 0) ON CONFLICT (id) DO UPDATE SET n = 0');
    await setup.end();
    const pool = new Pool({ connectionString: url, max: 8 });
    try {
      // 50 read-modify-write transactions from 8 connections: without turns per transaction, increments are lost.
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          const client = await pool.connect();
          try {
            await client.query('BEGIN');
            const { rows } = await client.query<{ n: number }>('SELECT n FROM counter WHERE id = 1');
            await new Promise((resolve) => setImmediate(resolve));
            await client.query('UPDATE counter SET n = $1 WHERE id = 1', [(rows[0]?.n ?? 0) + 1]);
            await client.query('COMMIT');
          } finally {
            client.release();
          }
        }),
      );
      expect((await pool.query<{ n: number }>('SELECT n FROM counter WHERE id = 1')).rows[0]?.n).toBe(50);
    } finally {
      await pool.end();
    }
  });

  it('rolls back what a connection left open when it goes away, and lets the others on', async () => {
    const quitter = new Client({ connectionString: url });
    quitter.on('error', () => undefined); // its connection is cut below, on purpose
    const other = new Client({ connectionString: url });
    // Both connected first: a connection's start-up waits for its turn like any query.
    await quitter.connect();
    await other.connect();
    await quitter.query('CREATE TABLE IF NOT EXISTS left_open (id int)');
    await quitter.query('BEGIN');
    await quitter.query('INSERT INTO left_open VALUES (1)');
    const waiting = other.query<{ n: string }>('SELECT count(*)::text AS n FROM left_open');
    (quitter as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    expect((await waiting).rows[0]?.n).toBe('0');
    await other.end();
  });

  it('hands a NOTIFY to the connection that LISTENs, though the backend writes it to the one that committed', async () => {
    const listener = new Client({ connectionString: url });
    const notifier = new Client({ connectionString: url });
    await listener.connect();
    await notifier.connect();
    try {
      const heard = new Promise<string>((resolve) => listener.on('notification', (n) => resolve(`${n.channel}:${n.payload}`)));
      await listener.query('LISTEN wake_up');
      await notifier.query(`SELECT pg_notify('wake_up', 'now')`);
      expect(await heard).toBe('wake_up:now');
    } finally {
      await listener.end();
      await notifier.end();
    }
  });
});
