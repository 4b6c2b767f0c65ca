import { DEFAULT_DATABASE_URL } from '@switchyard/infra';
import { openServiceDatabase } from '@switchyard/service-kit';
import { DataSource } from 'typeorm';
import { orderIntakeService } from '../order-intake.definition';

/** Thrown for a mistake of the person at the terminal: printed without a stack trace. */
export class UsageError extends Error {}

/** The service's database, migrated exactly as the service migrates it on start (same migrations table). */
export function openIntakeDatabase(url = process.env['DATABASE_URL'] || DEFAULT_DATABASE_URL): Promise<DataSource> {
  return openServiceDatabase(orderIntakeService, { url, maxConnections: 1 });
}

/** Runs a command-line tool against the database: usage mistakes print their message, anything else its stack; both exit 1. */
export function runCli(usage: string, main: (args: string[], dataSource: DataSource) => Promise<string>): void {
  const args = process.argv.slice(2);
  if (args.length === 0 || args[0] === '--help' || args[0] === '-h') {
    process.stdout.write(`${usage}\n`);
    process.exitCode = args.length === 0 ? 1 : 0;
    return;
  }
  (async () => {
    const dataSource = await openIntakeDatabase();
    try {
      process.stdout.write(`${await main(args, dataSource)}\n`);
    } finally {
      await dataSource.destroy();
    }
  })().catch((error: unknown) => {
    process.stderr.write(error instanceof UsageError ? `${error.message}\n\n${usage}\n` : `${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  });
}

/** `--name value` options after the positional arguments; unknown options are a usage error. */
export function options(args: readonly string[], known: readonly string[]): { positional: string[]; named: Map<string, string> } {
  const positional: string[] = [];
  const named = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const name = arg.slice(2);
    const value = args[i + 1];
    if (!known.includes(name)) throw new UsageError(`unknown option ${arg}`);
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${arg} needs a value`);
    named.set(name, value);
    i++;
  }
  return { positional, named };
}
