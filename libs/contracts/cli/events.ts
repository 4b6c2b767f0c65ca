// Operator's tool for looking inside topics; pairs with kcat. Run `npm run events -- help`.
import { readFileSync } from 'node:fs';
import { parsingCanonicalForm } from '../src/avro/canonical-form';
import { fingerprintHex } from '../src/avro/fingerprint';
import { AvroSchema } from '../src/avro/schema';
import { EventCodec } from '../src/codec';
import { MalformedMessageError } from '../src/errors';
import { EventPayload, EventType } from '../src/events';
import { eventTypes } from '../src/registry';

const USAGE = `Usage: npm run events -- <command>

  fingerprint <file.avsc> [--canonical]  the schema's CRC-64-AVRO fingerprint, 16 hex digits in wire order
                                         (as bytes 3-10 of a message show it); --canonical also prints its
                                         Parsing Canonical Form
  encode <EventName> < event.json > message.bin
                                         one event payload (JSON) as an Avro single-object message
  decode < message.bin                   one message as JSON: type, writer schema version, fingerprint, payload
  list                                   every event: versions, fingerprints, topic, key

  e.g. kcat -C -b localhost:9092 -t orders.lifecycle -o -1 -e -c 1 -f '%s' | npm run -s events -- decode`;

/** A mistake in how the tool was called: print usage, exit 2. */
class UsageError extends Error {}

const codec = new EventCodec();

function main(args: readonly string[]): void {
  const [command, ...rest] = args;
  switch (command) {
    case 'fingerprint': return fingerprint(rest);
    case 'encode': return encode(rest);
    case 'decode': return decode(rest);
    case 'list': return list();
    case 'help':
    case '--help':
    case undefined: return void process.stdout.write(`${USAGE}\n`);
    default: throw new UsageError(`unknown command "${command}".`);
  }
}

function fingerprint(args: readonly string[]): void {
  const file = args.find((arg) => !arg.startsWith('--'));
  if (!file) throw new UsageError('fingerprint needs a schema file, e.g. schemas/OrderReceived/v2.avsc.');
  const schema = parseJson(readText(file), file) as AvroSchema;
  process.stdout.write(`${fingerprintHex(schema)}\n`);
  if (args.includes('--canonical')) process.stdout.write(`${parsingCanonicalForm(schema)}\n`);
}

function encode(args: readonly string[]): void {
  const [type] = args;
  if (!type) throw new UsageError(`encode needs an event name, one of: ${eventTypes.join(', ')}.`);
  const payload = parseJson(readStdin().toString('utf8'), 'standard input');
  if (process.stdout.isTTY) throw new UsageError('encode writes binary: redirect it, e.g. `> message.bin`, or pipe it to kcat -P.');
  process.stdout.write(codec.encode(type as EventType, payload as EventPayload<EventType>));
}

function decode(args: readonly string[]): void {
  if (args.length > 0) throw new UsageError('decode reads the message from standard input and takes no arguments.');
  process.stdout.write(`${JSON.stringify(codec.decode(readStdin()), null, 2)}\n`);
}

function list(): void {
  for (const version of codec.registry.all()) {
    const { schema } = version;
    process.stdout.write(`${version.eventType}\tv${version.version}\t${version.fingerprintHex}\t${String(schema['switchyard.topic'])}\t${String(schema['switchyard.key'])}\n`);
  }
}

function readStdin(): Buffer {
  if (process.stdin.isTTY) throw new UsageError('pipe the input in, e.g. `< message.bin`.');
  return readFileSync(0);
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`);
  }
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${source} is not valid JSON: ${(error as Error).message}.`);
  }
}

// A reader that stops early (`| head`) is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

try {
  main(process.argv.slice(2));
} catch (error) {
  const prefix = error instanceof MalformedMessageError ? `malformed message (${error.reason}): ` : '';
  // Errors are for operators: one clear line, never a stack trace.
  process.stderr.write(`events: ${prefix}${(error as Error).message}\n`);
  if (error instanceof UsageError) process.stderr.write(`\n${USAGE}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
}
