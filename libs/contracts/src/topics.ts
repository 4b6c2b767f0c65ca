import { AnyEvent, EventType } from './events';
import { eventSchemas } from './generated/schemas';

/** Where an event goes, as templates from its schema: `{field}` stands for a top-level payload field. */
export interface EventRoute {
  /** e.g. `orders.lifecycle`, or `fulfilment.instructions.{locationId}` for one topic per location. */
  readonly topic: string;
  /** The partition key, the event's aggregate: e.g. `{orderId}`, `{sku}@{locationId}`. */
  readonly key: string;
}

/** The topic and key templates of an event type (from its latest schema). */
export function eventRoute(type: EventType): EventRoute {
  const latest = eventSchemas[type][eventSchemas[type].length - 1];
  return { topic: latest['switchyard.topic'] as string, key: latest['switchyard.key'] as string };
}

/** The topic this event is published to. */
export function topicOf(event: AnyEvent): string {
  return fill(eventRoute(event.type).topic, event);
}

/** The Kafka key of this event, so one aggregate's events stay in order on one partition. */
export function keyOf(event: AnyEvent): string {
  return fill(eventRoute(event.type).key, event);
}

/** The payload fields a template names, e.g. `{sku}@{locationId}` → sku, locationId. */
export function templateFields(template: string): string[] {
  return [...template.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
}

function fill(template: string, event: AnyEvent): string {
  const payload = event.payload as unknown as Record<string, unknown>;
  return template.replace(/\{(\w+)\}/g, (_, field: string) => {
    const value = payload[field];
    if (typeof value !== 'string' || value === '') throw new Error(`${event.type} needs a non-empty string "${field}" to name its topic or key, got ${JSON.stringify(value)}.`);
    return value;
  });
}
