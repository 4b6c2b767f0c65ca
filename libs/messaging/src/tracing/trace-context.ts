import { Context, context, Link, ROOT_CONTEXT, Span, SpanKind, SpanStatusCode, trace, Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { Headers } from '../headers';

// W3C trace context always, whatever global propagator a service registered: the headers are part of the wire contract.
const w3c = new W3CTraceContextPropagator();

export function messagingTracer(): Tracer {
  return trace.getTracer('@switchyard/messaging');
}

/** Writes `traceparent` (and `tracestate`) of `ctx` into `headers`. */
export function injectTraceContext(ctx: Context, headers: Record<string, string>): void {
  w3c.inject(ctx, headers, {
    set: (carrier, key, value) => {
      carrier[key] = value;
    },
  });
}

/** The remote parent carried by a message's headers (the root context when it has none). */
export function extractTraceContext(headers: Readonly<Record<string, string>>): Context {
  return w3c.extract(ROOT_CONTEXT, headers, {
    get: (carrier, key) => carrier[key],
    keys: (carrier) => Object.keys(carrier),
  });
}

/** A link to the span that published a message, for spans that handle many messages at once. */
export function linkFromHeaders(headers: Readonly<Record<string, string>>): Link | undefined {
  const spanContext = trace.getSpanContext(extractTraceContext(headers));
  return spanContext ? { context: spanContext } : undefined;
}

/** The trace id of a message, for log lines. */
export function traceIdOf(headers: Readonly<Record<string, string>>): string | undefined {
  return /^[\da-f]{2}-([\da-f]{32})-/.exec(headers[Headers.traceparent] ?? '')?.[1];
}

/** Runs `work` inside `span`, ending it and recording a failure. */
export async function inSpan<T>(span: Span, work: () => Promise<T>): Promise<T> {
  try {
    return await context.with(trace.setSpan(context.active(), span), work);
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    span.end();
  }
}

export { SpanKind };
