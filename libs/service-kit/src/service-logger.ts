import { LoggerService } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import type { LogFields, LogLevel, MessagingLogger } from '@switchyard/messaging';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface ServiceLoggerOptions {
  readonly service: string;
  readonly level?: LogLevel;
  /** Where a finished JSON line goes; standard output by default. */
  readonly write?: (line: string) => void;
}

/**
 * One structured logger per service, for Nest (LoggerService) and for the messaging library alike: JSON lines
 * with time, level, service, message, the active trace id, and the given fields. Never pass payloads in.
 */
export class ServiceLogger implements LoggerService, MessagingLogger {
  private readonly threshold: number;
  private readonly write: (line: string) => void;

  constructor(private readonly options: ServiceLoggerOptions) {
    this.threshold = RANK[options.level ?? 'info'];
    this.write = options.write ?? ((line) => process.stdout.write(`${line}\n`));
  }

  // MessagingLogger: (message, fields). Nest's LoggerService: (message, context?) and error(message, stack?, context?).
  log(message: unknown, context?: unknown): void {
    this.emit('info', message, nestFields(context));
  }

  info(message: string, fields?: LogFields): void {
    this.emit('info', message, fields);
  }

  debug(message: unknown, context?: unknown): void {
    this.emit('debug', message, typeof context === 'object' ? (context as LogFields) : nestFields(context));
  }

  verbose(message: unknown, context?: unknown): void {
    this.emit('debug', message, nestFields(context));
  }

  warn(message: unknown, context?: unknown): void {
    this.emit('warn', message, typeof context === 'object' ? (context as LogFields) : nestFields(context));
  }

  error(message: unknown, stackOrFields?: unknown, context?: unknown): void {
    if (typeof stackOrFields === 'object' && stackOrFields !== null) {
      this.emit('error', message, stackOrFields as LogFields);
      return;
    }
    this.emit('error', message, { ...nestFields(context), stack: typeof stackOrFields === 'string' ? stackOrFields : undefined });
  }

  private emit(level: LogLevel, message: unknown, fields?: LogFields): void {
    if (RANK[level] < this.threshold) return;
    const span = trace.getActiveSpan()?.spanContext();
    const line: Record<string, unknown> = {
      time: new Date().toISOString(),
      level,
      service: this.options.service,
      message: message instanceof Error ? message.message : typeof message === 'string' ? message : JSON.stringify(message),
    };
    if (span) line['traceId'] = span.traceId;
    for (const [key, value] of Object.entries(fields ?? {})) if (value !== undefined) line[key] = value;
    this.write(JSON.stringify(line));
  }
}

function nestFields(context: unknown): LogFields | undefined {
  return typeof context === 'string' ? { context } : undefined;
}
