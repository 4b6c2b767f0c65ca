import { parsingCanonicalForm } from './canonical-form';
import { fingerprint64, fingerprintHex, rabin64 } from './fingerprint';
import { AvroSchema } from './schema';

// Published cases from the Avro repository's share/test/data/schema-tests.txt (the cross-language suite
// every implementation checks against): input schema, its canonical form and its fingerprint as a Java long.
const published: { input: string; canonical: string; fingerprint?: bigint }[] = [
  { input: '"null"', canonical: '"null"', fingerprint: 7195948357588979594n },
  { input: '{"type":"null"}', canonical: '"null"' },
  { input: '"boolean"', canonical: '"boolean"', fingerprint: -6970731678124411036n },
  { input: '{"type":"boolean"}', canonical: '"boolean"' },
  { input: '"int"', canonical: '"int"', fingerprint: 8247732601305521295n },
  { input: '{"type":"int"}', canonical: '"int"' },
  { input: '"long"', canonical: '"long"', fingerprint: -3434872931120570953n },
  { input: '{"type":"long"}', canonical: '"long"' },
  { input: '"float"', canonical: '"float"', fingerprint: 5583340709985441680n },
  { input: '{"type":"float"}', canonical: '"float"' },
  { input: '"double"', canonical: '"double"', fingerprint: -8181574048448539266n },
  { input: '{"type":"double"}', canonical: '"double"' },
  { input: '"bytes"', canonical: '"bytes"', fingerprint: 5746618253357095269n },
  { input: '{"type":"bytes"}', canonical: '"bytes"' },
  { input: '"string"', canonical: '"string"', fingerprint: -8142146995180207161n },
  { input: '{"type":"string"}', canonical: '"string"' },
  { input: '[  ]', canonical: '[]', fingerprint: -1241056759729112623n },
  { input: '[ "int"  ]', canonical: '["int"]', fingerprint: -5232228896498058493n },
  { input: '[ "int" , {"type":"boolean"} ]', canonical: '["int","boolean"]', fingerprint: 5392556393470105090n },
  { input: '{"fields":[], "type":"record", "name":"foo"}', canonical: '{"name":"foo","type":"record","fields":[]}', fingerprint: -4824392279771201922n },
  { input: '{"fields":[], "type":"record", "name":"foo", "namespace":"x.y"}', canonical: '{"name":"x.y.foo","type":"record","fields":[]}', fingerprint: 5916914534497305771n },
  { input: '{"fields":[], "type":"record", "name":"a.b.foo", "namespace":"x.y"}', canonical: '{"name":"a.b.foo","type":"record","fields":[]}', fingerprint: -4616218487480524110n },
  { input: '{"fields":[], "type":"record", "name":"foo", "doc":"Useful info"}', canonical: '{"name":"foo","type":"record","fields":[]}', fingerprint: -4824392279771201922n },
  { input: '{"fields":[], "type":"record", "name":"foo", "aliases":["foo","bar"]}', canonical: '{"name":"foo","type":"record","fields":[]}', fingerprint: -4824392279771201922n },
  { input: '{"fields":[], "type":"record", "name":"foo", "doc":"foo", "aliases":["foo","bar"]}', canonical: '{"name":"foo","type":"record","fields":[]}', fingerprint: -4824392279771201922n },
  { input: '{"fields":[{"type":{"type":"boolean"}, "name":"f1"}], "type":"record", "name":"foo"}', canonical: '{"name":"foo","type":"record","fields":[{"name":"f1","type":"boolean"}]}', fingerprint: 7843277075252814651n },
  {
    input: '{ "fields":[{"type":"boolean", "aliases":[], "name":"f1", "default":"true"}, {"order":"descending","name":"f2","doc":"Hello","type":"int"}], "type":"record", "name":"foo" }',
    canonical: '{"name":"foo","type":"record","fields":[{"name":"f1","type":"boolean"},{"name":"f2","type":"int"}]}',
    fingerprint: -4860222112080293046n,
  },
  { input: '{"type":"enum", "name":"foo", "symbols":["A1"]}', canonical: '{"name":"foo","type":"enum","symbols":["A1"]}', fingerprint: -6342190197741309591n },
  { input: '{"namespace":"x.y.z", "type":"enum", "name":"foo", "doc":"foo bar", "symbols":["A1", "A2"]}', canonical: '{"name":"x.y.z.foo","type":"enum","symbols":["A1","A2"]}', fingerprint: -4448647247586288245n },
  { input: '{"name":"foo","type":"fixed","size":15}', canonical: '{"name":"foo","type":"fixed","size":15}', fingerprint: 1756455273707447556n },
  { input: '{"namespace":"x.y.z", "type":"fixed", "name":"foo", "doc":"foo bar", "size":32}', canonical: '{"name":"x.y.z.foo","type":"fixed","size":32}', fingerprint: -3064184465700546786n },
  { input: '{ "items":{"type":"null"}, "type":"array"}', canonical: '{"type":"array","items":"null"}', fingerprint: -589620603366471059n },
  { input: '{ "values":"string", "type":"map"}', canonical: '{"type":"map","values":"string"}', fingerprint: -8732877298790414990n },
  {
    input: '{"name":"PigValue","type":"record", "fields":[{"name":"value", "type":["null", "int", "long", "PigValue"]}]}',
    canonical: '{"name":"PigValue","type":"record","fields":[{"name":"value","type":["null","int","long","PigValue"]}]}',
    fingerprint: -1759257747318642341n,
  },
];

describe('parsingCanonicalForm', () => {
  it.each(published)('turns $input into $canonical', ({ input, canonical }) => {
    expect(parsingCanonicalForm(JSON.parse(input) as AvroSchema)).toBe(canonical);
  });

  it('gives nested named types the enclosing namespace and refers to them by full name after their definition', () => {
    const schema = {
      type: 'record', name: 'Outer', namespace: 'a.b',
      fields: [
        { name: 'first', type: { type: 'record', name: 'Inner', fields: [{ name: 'x', type: 'int' }] } },
        { name: 'second', type: 'Inner' },
        { name: 'third', type: { type: 'enum', name: 'c.Kind', symbols: ['K'] } },
        { name: 'fourth', type: { type: 'record', name: 'Deep', namespace: '', fields: [{ name: 'k', type: 'c.Kind' }] } },
      ],
    };
    expect(parsingCanonicalForm(schema)).toBe(
      '{"name":"a.b.Outer","type":"record","fields":[' +
        '{"name":"first","type":{"name":"a.b.Inner","type":"record","fields":[{"name":"x","type":"int"}]}},' +
        '{"name":"second","type":"a.b.Inner"},' +
        '{"name":"third","type":{"name":"c.Kind","type":"enum","symbols":["K"]}},' +
        '{"name":"fourth","type":{"name":"Deep","type":"record","fields":[{"name":"k","type":"c.Kind"}]}}]}',
    );
  });

  it('drops logical types, defaults and custom attributes, which do not change how data is parsed', () => {
    const schema = {
      type: 'record', name: 'M', 'switchyard.topic': 't',
      fields: [{ name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 18, scale: 4 }, default: '' }],
    };
    expect(parsingCanonicalForm(schema)).toBe('{"name":"M","type":"record","fields":[{"name":"amount","type":"bytes"}]}');
  });

  it('strips leading zeros and quotes from a fixed size', () => {
    expect(parsingCanonicalForm({ type: 'fixed', name: 'f', size: '015' })).toBe('{"name":"f","type":"fixed","size":15}');
  });

  it('refuses a reference to a type that was never defined', () => {
    expect(() => parsingCanonicalForm({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'Missing' }] })).toThrow(
      'Schema refers to type "Missing", which is not defined before it is used.',
    );
  });
});

describe('fingerprint64', () => {
  it.each(published.filter((testCase) => testCase.fingerprint !== undefined))('fingerprints $canonical as $fingerprint', ({ input, fingerprint }) => {
    expect(BigInt.asIntN(64, fingerprint64(JSON.parse(input) as AvroSchema))).toBe(fingerprint);
  });

  it('is the CRC-64-AVRO empty value for no bytes', () => {
    expect(rabin64(new Uint8Array())).toBe(0xc15d213aa4d7a795n);
  });

  it('writes the fingerprint little-endian, as it stands on the wire', () => {
    // 7195948357588979594 = 0x63dd24e7cc258f8a ("null" above), so the wire shows its low byte first.
    expect(fingerprintHex('null')).toBe('8a8f25cce724dd63');
  });
});
