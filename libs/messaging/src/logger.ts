/**
 * Structured logs as JSON lines. Fields name where a message is (topic, partition, offset, messageId,
 * traceId), never what it says: payloads carry personal data and are never logged.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogFields {
  readonly topic?: string;
  readonly partition?: number;
  readonly offset?: string;
  readonly messageId?: string;
  readonly traceId?: string;
  readonly eventType?: string;
  readonly groupId?: string;
  readonly [field: string]: string | number | boolean | null | undefined;
}

/** What the messaging library logs through; pass your own to route lines elsewhere. */
export interface MessagingLogger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface JsonLoggerOptions {
  /** Lines below this level are dropped. */
  readonly level?: LogLevel;
  /** Added to every line, e.g. the service name. */
  readonly service?: string;
  /** Where a finished line goes; standard output by default. */
  readonly write?: (line: string) => void;
}

/** One JSON object per line: time, level, message, then the fields. */
export class JsonLogger implements MessagingLogger {
  private readonly threshold: number;
  private readonly write: (line: string) => void;

  constructor(private readonly options: JsonLoggerOptions = {}) {
    this.threshold = RANK[options.level ?? 'info'];
    this.write = options.write ?? ((line) => process.stdout.write(`${line}\n`));
  }

  debug(message: string, fields?: LogFields): void {
    this.log('debug', message, fields);
  }

  info(message: string, fields?: LogFields): void {
    this.log('info', message, fields);
  }

  warn(message: string, fields?: LogFields): void {
    this.log('warn', message, fields);
  }

  error(message: string, fields?: LogFields): void {
    this.log('error', message, fields);
  }

  private log(level: LogLevel, message: string, fields?: LogFields): void {
    if (RANK[level] < this.threshold) return;
    const line: Record<string, unknown> = { time: new Date().toISOString(), level, message };
    if (this.options.service) line['service'] = this.options.service;
    for (const [key, value] of Object.entries(fields ?? {})) if (value !== undefined) line[key] = value;
    this.write(JSON.stringify(line));
  }
}

/** Drops everything (tests that assert on other things). */
export const silentLogger: MessagingLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
