import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { InfrastructureUnavailableError } from './errors';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export const START_POSTGRES_HINT =
  'Start it (Debian/Ubuntu: "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"; ' +
  'with Docker: "docker compose up -d postgres"), or set DATABASE_URL to a server that answers.';

export function databaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env['DATABASE_URL'] && env['DATABASE_URL'].trim() !== '' ? env['DATABASE_URL'] : DEFAULT_DATABASE_URL;
}

/** The URL with the password hidden, for logs and errors. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable DATABASE_URL>';
  }
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

async function connect(url: string): Promise<Client> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InfrastructureUnavailableError(`DATABASE_URL is not a valid URL (expected postgres://user[:password]@host:port/database).`);
  }
  if (!['postgres:', 'postgresql:'].includes(parsed.protocol)) {
    throw new InfrastructureUnavailableError(`DATABASE_URL must start with postgres:// or postgresql://; got "${parsed.protocol}//".`);
  }
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new InfrastructureUnavailableError(`PostgreSQL is not answering at ${redactUrl(url)} (${reason}). ${START_POSTGRES_HINT}`);
  }
}

/** Connects once and reports the server version; throws an error that says how to start PostgreSQL. */
export async function checkPostgres(url = databaseUrl()): Promise<string> {
  const client = await connect(url);
  try {
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return rows[0]?.server_version ?? 'unknown';
  } finally {
    await client.end();
  }
}

/** Creates the database if it does not exist; returns its URL. */
/** Drops the database `name` (closing its connections) and creates it empty; returns its URL. */
export async function recreateDatabase(name: string, url = databaseUrl()): Promise<string> {
  assertIdentifier(name);
  const client = await connect(url);
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  return withDatabase(url, name);
}

export async function ensureDatabase(name: string, url = databaseUrl()): Promise<string> {
  assertIdentifier(name);
  const client = await connect(url);
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  return withDatabase(url, name);
}

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

/** A fresh, uniquely named database for one test file; `drop()` removes it even with connections open. */
export async function createTestDatabase(label: string, url = databaseUrl()): Promise<TestDatabase> {
  const slug = label.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '').slice(0, 30) || 'db';
  const name = `switchyard_test_${slug}_${randomBytes(4).toString('hex')}`;
  assertIdentifier(name);
  const client = await connect(url);
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  return {
    name,
    url: withDatabase(url, name),
    drop: async () => {
      const admin = await connect(url);
      try {
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    },
  };
}

// Database names cannot be bound as parameters, so they are checked against a strict pattern instead.
function assertIdentifier(name: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new Error(`"${name}" is not an allowed database name (lower-case letters, digits and _; at most 63 characters).`);
  }
}
