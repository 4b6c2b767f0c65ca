import { EventCodec } from '../src/codec';
import { parsingCanonicalForm } from '../src/avro/canonical-form';
import { fingerprint64 } from '../src/avro/fingerprint';
import { eventTypes } from '../src/registry';
import { exampleEvents } from '../src/testing/example-events';
import { findSchemaFile, readSchemaFiles } from '../tools/schema-files';
import { ensureBuilt, InteropResult, InteropTask, runJava } from './java-interop';

// Interoperability with the reference implementation, org.apache.avro:avro:1.12.2, in one JVM run.
jest.setTimeout(15 * 60 * 1000);

const codec = new EventCodec();
const files = readSchemaFiles();
const latestFile = (type: string) => findSchemaFile(files, type).file;
const { market: _market, ...orderReceivedV1 } = exampleEvents.OrderReceived;

const tasks = {
  fingerprints: files.map((file): InteropTask => ({ op: 'fingerprint', schema: file.file })),
  javaReads: eventTypes.map((type): InteropTask => ({ op: 'decode', reader: latestFile(type), message: codec.encode(type, exampleEvents[type] as never).toString('base64') })),
  javaReadsV1: [{ op: 'decode', reader: latestFile('OrderReceived'), message: codec.encodeVersion('OrderReceived', 1, orderReceivedV1).toString('base64') } as InteropTask],
  javaWrites: eventTypes.map((type): InteropTask => ({ op: 'encode', schema: latestFile(type), datum: exampleEvents[type] })),
  javaWritesV1: [{ op: 'encode', schema: findSchemaFile(files, 'OrderReceived', 1).file, datum: orderReceivedV1 } as InteropTask],
};
let results: Record<keyof typeof tasks, InteropResult[]>;

beforeAll(() => {
  const { built, seconds } = ensureBuilt();
  if (built) process.stderr.write(`java-interop: built the Java program in ${seconds.toFixed(1)} s\n`);
  const all = runJava(files.map((file) => file.file), Object.values(tasks).flat());
  let offset = 0;
  results = Object.fromEntries(Object.entries(tasks).map(([name, list]) => [name, all.slice(offset, (offset += list.length))])) as typeof results;
});

function ok(result: InteropResult): InteropResult {
  if (result.error) throw new Error(`Java: ${result.error}`);
  return result;
}

describe('Java (org.apache.avro 1.12.2) and this codec agree', () => {
  it.each(files.map((file, index) => ({ ...file, index })))('on the canonical form and fingerprint of $eventType v$version', ({ schema, index }) => {
    const java = ok(results.fingerprints[index]);
    expect(java.canonical).toBe(parsingCanonicalForm(schema));
    expect(BigInt(java.fingerprint as string)).toBe(BigInt.asIntN(64, fingerprint64(schema)));
  });

  it.each(eventTypes.map((type, index) => ({ type, index })))('Java decodes $type as written here', ({ type, index }) => {
    expect(ok(results.javaReads[index]).datum).toEqual(exampleEvents[type]);
  });

  it.each(eventTypes.map((type, index) => ({ type, index })))('$type written by Java decodes here, byte for byte as written here', ({ type, index }) => {
    const bytes = Buffer.from(ok(results.javaWrites[index]).message as string, 'base64');
    expect(codec.decode(bytes)).toEqual(expect.objectContaining({ type, version: codec.registry.latest(type).version, payload: exampleEvents[type] }));
    expect(bytes).toEqual(codec.encode(type, exampleEvents[type] as never));
  });

  it('Java resolves an OrderReceived v1 written here into v2, market defaulting to null', () => {
    expect(ok(results.javaReadsV1[0]).datum).toEqual({ ...orderReceivedV1, market: null });
  });

  it('an OrderReceived v1 written by Java resolves here into v2, market defaulting to null', () => {
    const decoded = codec.decode(Buffer.from(ok(results.javaWritesV1[0]).message as string, 'base64'));
    expect(decoded).toEqual({ type: 'OrderReceived', version: 1, fingerprint: codec.registry.versions('OrderReceived')[0].fingerprintHex, payload: { ...orderReceivedV1, market: null } });
  });
});
