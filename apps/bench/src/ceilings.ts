// The ceiling of the parts, measured on this machine in the same run as the platform: what raw kafkajs, the
// PostgreSQL outbox+inbox transaction and the routing engine can do on their own. The measuring code is the
// existing benches' (libs/*/bench), imported, so the figures mean the same thing as theirs.
import { measureOutboxInboxCeiling, measureRawKafkaCeiling, type OutboxInboxCeiling, type RawKafkaCeiling } from '@switchyard/messaging/bench';
import { measureRoutingCeiling, type RoutingCeiling } from '@switchyard/routing-engine/bench';

export interface Ceilings {
  readonly kafka: (RawKafkaCeiling & { readonly messageBytes: number }) | null;
  readonly postgres: OutboxInboxCeiling | null;
  /** The same transaction on the embedded platform's PGlite (embedded mode only). */
  readonly embeddedPostgres?: OutboxInboxCeiling | null;
  readonly routing: RoutingCeiling | null;
  readonly errors: readonly string[];
}

export async function measureCeilings(options: {
  readonly brokers: readonly string[] | null;
  readonly messageBytes: Buffer;
  readonly log: (line: string) => void;
}): Promise<Ceilings> {
  const errors: string[] = [];
  const attempt = async <T>(label: string, run: () => Promise<T>): Promise<T | null> => {
    options.log(`ceiling: ${label}…`);
    try {
      return await run();
    } catch (error) {
      errors.push(`${label}: ${(error as Error).message}`);
      options.log(`ceiling: ${label} failed: ${(error as Error).message}`);
      return null;
    }
  };
  const kafka = options.brokers
    ? await attempt('raw kafkajs produce+consume', async () => ({
        ...(await measureRawKafkaCeiling({ brokers: options.brokers as string[], value: options.messageBytes, messages: 20_000, log: () => undefined })),
        messageBytes: options.messageBytes.length,
      }))
    : null;
  const postgres = await attempt('PostgreSQL outbox+inbox commits', () => measureOutboxInboxCeiling({ seconds: 5, writers: 8 }));
  const routing = await attempt('routing engine decisions', async () => measureRoutingCeiling({ orders: 10_000, lines: 'mixed' }));
  return { kafka, postgres, routing, errors };
}

/** The outbox+inbox transaction on another database (the embedded platform's PGlite, through its socket). */
export async function measureEmbeddedPostgresCeiling(databaseUrl: string, log: (line: string) => void): Promise<OutboxInboxCeiling | null> {
  log('ceiling: outbox+inbox commits on the embedded PostgreSQL (PGlite)…');
  try {
    return await measureOutboxInboxCeiling({ seconds: 5, writers: 8, databaseUrl });
  } catch (error) {
    log(`ceiling: embedded PostgreSQL failed: ${(error as Error).message}`);
    return null;
  }
}
