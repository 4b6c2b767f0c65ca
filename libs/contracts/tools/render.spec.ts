import { AvroSchemaObject } from '../src/avro/schema';
import { renderContracts } from './render';
import { SchemaFile } from './schema-files';

const event = (eventType: string, version: number, fields: unknown[]): SchemaFile => ({
  eventType, version, file: `${eventType}/v${version}.avsc`,
  schema: { type: 'record', name: eventType, namespace: 'dev.switchyard.events', 'switchyard.topic': 't', 'switchyard.key': '{id}', fields } as AvroSchemaObject,
});
const types = (files: SchemaFile[]) => renderContracts(files)[0].content;

describe('renderContracts', () => {
  it('writes one interface per payload version and one per shared named type', () => {
    const part = { type: 'record', name: 'Part', fields: [{ name: 'sku', type: 'string' }] };
    const out = types([
      event('A', 1, [{ name: 'part', type: part }, { name: 'spare', type: 'Part' }]),
      event('B', 1, [{ name: 'parts', type: { type: 'array', items: part } }, { name: 'note', type: ['null', 'string'], default: null }]),
    ]);

    expect(out.match(/export interface Part \{/g)).toHaveLength(1);
    expect(out).toContain('export interface AV1 {\n  part: Part;\n  spare: Part;\n}');
    expect(out).toContain('export interface BV1 {\n  parts: Part[];\n  note: string | null;\n}');
    expect(out).toContain('export interface EventPayloads {\n  A: AV1;\n  B: BV1;\n}');
  });

  it('numbers a later, different definition of the same name instead of merging it', () => {
    const out = types([
      event('A', 1, [{ name: 'part', type: { type: 'record', name: 'Part', fields: [{ name: 'sku', type: 'string' }] } }]),
      event('A', 2, [{ name: 'part', type: { type: 'record', name: 'Part', fields: [{ name: 'sku', type: 'string' }, { name: 'qty', type: ['null', 'int'], default: null }] } }]),
    ]);
    expect(out).toContain('export interface AV1 {\n  part: Part;\n}');
    expect(out).toContain('export interface AV2 {\n  part: Part2;\n}');
    expect(out).toContain('export interface Part2 {\n  sku: string;\n  qty: number | null;\n}');
    expect(out).toContain('A: { 1: AV1; 2: AV2 };');
  });

  it('maps logical types to the documented scalars', () => {
    const out = types([event('A', 1, [
      { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 2 } },
      { name: 'day', type: { type: 'int', logicalType: 'date' } },
      { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    ])]);
    expect(out).toContain('  amount: Decimal;\n  day: IsoDate;\n  at: EpochMillis;');
  });

  it('refuses unions other than an optional value, which TypeScript could not tell apart', () => {
    expect(() => types([event('A', 1, [{ name: 'x', type: ['null', 'int', 'string'] }])])).toThrow(
      'Only optional values are supported as unions, ["null", T]; got ["null","int","string"].',
    );
  });
});
