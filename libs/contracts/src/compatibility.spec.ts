import { SchemaRegistry, parseAvroType } from './registry';

// The compatibility rule of schemas/README.md: every version reads, and is read by, every earlier version of its event.
const registry = new SchemaRegistry();
const pairs = registry.all().flatMap((newer) =>
  registry.versions(newer.eventType)
    .filter((older) => older.version < newer.version)
    .map((older) => ({ event: newer.eventType, older, newer, label: `${newer.eventType} v${newer.version} ~ v${older.version}` })),
);

describe('schema compatibility', () => {
  it('has at least one evolved event, so the rule below is exercised by real schemas', () => {
    expect(pairs.length).toBeGreaterThan(0);
  });

  it.each(pairs)('$label: the newer reads the older (backward compatible)', ({ older, newer }) => {
    expect(() => newer.type.createResolver(older.type)).not.toThrow();
  });

  it.each(pairs)('$label: the older reads the newer (forward compatible)', ({ older, newer }) => {
    expect(() => older.type.createResolver(newer.type)).not.toThrow();
  });

  it('catches an incompatible change: a new required field without a default', () => {
    const v1 = { type: 'record', name: 'E', fields: [{ name: 'a', type: 'string' }] };
    const v2 = { type: 'record', name: 'E', fields: [{ name: 'a', type: 'string' }, { name: 'b', type: 'int' }] };
    expect(() => parseAvroType(v2).createResolver(parseAvroType(v1))).toThrow();
  });

  it('catches an incompatible change: a new enum symbol the older reader has no default for', () => {
    const v1 = { type: 'enum', name: 'Level', symbols: ['STANDARD'] };
    const v2 = { type: 'enum', name: 'Level', symbols: ['STANDARD', 'EXPRESS'] };
    expect(() => parseAvroType(v1).createResolver(parseAvroType(v2))).toThrow();
  });

  it('gives every schema version its own fingerprint', () => {
    const fingerprints = registry.all().map((version) => version.fingerprintHex);
    expect(new Set(fingerprints).size).toBe(fingerprints.length);
  });
});
