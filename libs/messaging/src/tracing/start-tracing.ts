import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { SpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface StartTracingOptions {
  /** `service.name` of every span, e.g. "inventory". */
  readonly serviceName: string;
  /**
   * Where spans go. Omitted: the OpenTelemetry environment decides (OTEL_TRACES_EXPORTER, OTEL_EXPORTER_OTLP_ENDPOINT;
   * OTLP by default). Tests pass a SimpleSpanProcessor over an InMemorySpanExporter.
   */
  readonly spanProcessors?: SpanProcessor[];
}

export interface Tracing {
  /** Flushes pending spans and stops the SDK; call it on shutdown. */
  shutdown(): Promise<void>;
}

/** Starts the OpenTelemetry Node SDK for a service, with W3C trace context propagation. Call once, first thing in main. */
export function startTracing(options: StartTracingOptions): Tracing {
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    spanProcessors: options.spanProcessors,
    textMapPropagator: new W3CTraceContextPropagator(),
    instrumentations: [],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}
