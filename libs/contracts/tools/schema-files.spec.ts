import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readSchemaFiles } from './schema-files';

const valid = (name: string) => ({ type: 'record', name, namespace: 'dev.switchyard.events', 'switchyard.topic': 't', 'switchyard.key': '{id}', fields: [] });

describe('readSchemaFiles', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(path.join(tmpdir(), 'schemas-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (file: string, content: unknown) => {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), typeof content === 'string' ? content : JSON.stringify(content));
  };

  it('reads the repository schemas: every event, versions in order', () => {
    const files = readSchemaFiles();
    expect(files.length).toBeGreaterThanOrEqual(27);
    expect(files.filter((file) => file.eventType === 'OrderReceived').map((file) => file.version)).toEqual([1, 2]);
  });

  it('refuses a gap in the versions', () => {
    write('Thing/v1.avsc', valid('Thing'));
    write('Thing/v3.avsc', valid('Thing'));
    expect(() => readSchemaFiles(dir)).toThrow('schemas/Thing: versions must run 1, 2, 3… without gaps; v2.avsc is missing.');
  });

  it('refuses a file not named v<version>.avsc', () => {
    write('Thing/thing.avsc', valid('Thing'));
    expect(() => readSchemaFiles(dir)).toThrow('schemas/Thing/thing.avsc: schema files are named v<version>.avsc, e.g. v1.avsc.');
  });

  it('refuses a record whose name is not its folder', () => {
    write('Thing/v1.avsc', valid('Other'));
    expect(() => readSchemaFiles(dir)).toThrow('schemas/Thing/v1.avsc: must be a record named "Thing" in namespace "dev.switchyard.events".');
  });

  it('refuses a schema without its topic', () => {
    write('Thing/v1.avsc', { ...valid('Thing'), 'switchyard.topic': undefined });
    expect(() => readSchemaFiles(dir)).toThrow('schemas/Thing/v1.avsc: needs "switchyard.topic" (see schemas/README.md).');
  });

  it('names the file that is not JSON', () => {
    write('Thing/v1.avsc', '{ nope');
    expect(() => readSchemaFiles(dir)).toThrow(/Thing\/v1\.avsc: not valid JSON/);
  });
});
