import { parseAvroType, eventTypes } from './registry';
import { eventSchemas } from './generated/schemas';
import { exampleEvents } from './testing/example-events';
import { eventRoute, keyOf, templateFields, topicOf } from './topics';

describe('event routes', () => {
  it.each(eventTypes)('%s names only top-level string fields in its topic and key', (type) => {
    const latest = parseAvroType(eventSchemas[type][eventSchemas[type].length - 1]) as unknown as { fields: { name: string; type: { typeName: string } }[] };
    const stringFields = latest.fields.filter((field) => field.type.typeName === 'string').map((field) => field.name);
    const { topic, key } = eventRoute(type);

    expect(templateFields(key).length).toBeGreaterThan(0);
    expect([...templateFields(topic), ...templateFields(key)].filter((field) => !stringFields.includes(field))).toEqual([]);
  });

  it('keys order events by order id and stock events by sku@location', () => {
    expect(keyOf({ type: 'OrderRouted', payload: exampleEvents.OrderRouted })).toBe('ord-7f3c9a');
    expect(keyOf({ type: 'StockAdjusted', payload: exampleEvents.StockAdjusted })).toBe('SKU-KETTLE@dc-berlin');
    expect(keyOf({ type: 'OrderReceived', payload: exampleEvents.OrderReceived })).toBe('web-de:WEB-100234');
  });

  it('sends each fulfilment instruction to its location topic', () => {
    expect(topicOf({ type: 'FulfilmentInstructed', payload: exampleEvents.FulfilmentInstructed })).toBe('fulfilment.instructions.dc-berlin');
    expect(topicOf({ type: 'OrderAccepted', payload: exampleEvents.OrderAccepted })).toBe('orders.lifecycle');
  });

  it('refuses to build a topic from an empty field', () => {
    const event = { type: 'FulfilmentInstructed', payload: { ...exampleEvents.FulfilmentInstructed, locationId: '' } } as const;
    expect(() => topicOf(event)).toThrow('FulfilmentInstructed needs a non-empty string "locationId" to name its topic or key, got "".');
  });
});
