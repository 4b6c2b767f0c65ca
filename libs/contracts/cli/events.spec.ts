import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fingerprint64 } from '../src/avro/fingerprint';
import { EventCodec } from '../src/codec';
import { exampleEvents } from '../src/testing/example-events';
import { findSchemaFile, readSchemaFiles } from '../tools/schema-files';

// The operator's tool, run as operators run it: a subprocess with stdin and stdout.
jest.setTimeout(60_000);

const repoRoot = path.resolve(__dirname, '../../..');
const codec = new EventCodec();

function events(args: string[], input?: Buffer | string): { status: number | null; stdout: Buffer; stderr: string } {
  const run = spawnSync(process.execPath, [require.resolve('tsx/cli'), path.join(__dirname, 'events.ts'), ...args], { cwd: repoRoot, input: input ?? '' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr.toString('utf8') };
}

describe('npm run events', () => {
  it('fingerprint prints the 16 hex digits a message carries in bytes 3 to 10', () => {
    const file = findSchemaFile(readSchemaFiles(), 'OrderReceived', 2);
    const run = events(['fingerprint', path.relative(repoRoot, file.file)]);

    expect(run.status).toBe(0);
    const printed = run.stdout.toString('utf8').trim();
    expect(printed).toBe(codec.encode('OrderReceived', exampleEvents.OrderReceived).subarray(2, 10).toString('hex'));
    expect(Buffer.from(printed, 'hex').readBigUInt64LE()).toBe(fingerprint64(file.schema));
  });

  it('encode writes a message that decode reads back, naming type and schema version', () => {
    const encoded = events(['encode', 'ShipmentDispatched'], JSON.stringify(exampleEvents.ShipmentDispatched));
    expect(encoded.stderr).toBe('');
    expect(encoded.stdout).toEqual(codec.encode('ShipmentDispatched', exampleEvents.ShipmentDispatched));

    const decoded = events(['decode'], encoded.stdout);
    expect(decoded.status).toBe(0);
    expect(JSON.parse(decoded.stdout.toString('utf8'))).toEqual({
      type: 'ShipmentDispatched', version: 1, fingerprint: codec.registry.latest('ShipmentDispatched').fingerprintHex, payload: exampleEvents.ShipmentDispatched,
    });
  });

  it('decode names an unknown fingerprint without a stack trace', () => {
    const run = events(['decode'], Buffer.from('c301ffeeddccbbaa998800', 'hex'));
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^events: malformed message \(unknown-fingerprint\): No published event schema has fingerprint ffeeddccbbaa9988\./);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('decode says when the bytes are not single-object encoded', () => {
    const run = events(['decode'], '{"orderId":"o-1"}');
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^events: malformed message \(not-single-object-encoding\): Message does not start with the Avro single-object marker C3 01/);
  });

  it('encode names the event type and the field that is wrong', () => {
    const run = events(['encode', 'OrderHeld'], JSON.stringify({ ...exampleEvents.OrderHeld, reason: 'BORED' }));
    expect(run.status).toBe(1);
    expect(run.stdout.length).toBe(0);
    expect(run.stderr).toBe('events: OrderHeld payload is invalid: reason: expected one of AWAITING_STOCK, OPERATOR_HOLD, FRAUD_REVIEW, OTHER, got "BORED". Fix the field(s) named and encode again.\n');
  });

  it('encode refuses an unknown event name and input that is not JSON', () => {
    expect(events(['encode', 'OrderLost'], '{}').stderr).toMatch(/^events: Unknown event type "OrderLost"\. Known event types: CancelOrder,/);
    const notJson = events(['encode', 'OrderHeld'], 'not json');
    expect(notJson.status).toBe(1);
    expect(notJson.stderr).toMatch(/^events: standard input is not valid JSON: /);
  });

  it('fingerprint says which file it cannot read', () => {
    const run = events(['fingerprint', 'schemas/Nope/v1.avsc']);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('events: cannot read schemas/Nope/v1.avsc: ENOENT.\n');
  });

  it('shows usage and exits 2 on an unknown command', () => {
    const run = events(['peek']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^events: unknown command "peek"\.\n\nUsage: npm run events -- <command>/);
  });
});
