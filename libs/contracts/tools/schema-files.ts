import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { AvroSchemaObject } from '../src/avro/schema';

export const NAMESPACE = 'dev.switchyard.events';
export const schemasDir = path.resolve(__dirname, '../../../schemas');

/** One published version of one event: `schemas/<EventType>/v<version>.avsc`. */
export interface SchemaFile {
  readonly eventType: string;
  readonly version: number;
  readonly file: string;
  readonly schema: AvroSchemaObject;
}

/** Every schema version under `dir`, by event type then version, checked against the layout rules. */
export function readSchemaFiles(dir: string = schemasDir): SchemaFile[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .flatMap((eventType) => readEventVersions(dir, eventType));
}

function readEventVersions(dir: string, eventType: string): SchemaFile[] {
  const names = readdirSync(path.join(dir, eventType)).filter((name) => name.endsWith('.avsc'));
  const files = names.map((name) => {
    const match = /^v([1-9]\d*)\.avsc$/.exec(name);
    if (!match) throw new Error(`schemas/${eventType}/${name}: schema files are named v<version>.avsc, e.g. v1.avsc.`);
    const file = path.join(dir, eventType, name);
    return { eventType, version: Number(match[1]), file, schema: parseSchema(file) };
  });
  files.sort((a, b) => a.version - b.version);
  files.forEach((file, index) => {
    if (file.version !== index + 1) throw new Error(`schemas/${eventType}: versions must run 1, 2, 3… without gaps; v${index + 1}.avsc is missing.`);
    checkTopLevel(file);
  });
  return files;
}

function parseSchema(file: string): AvroSchemaObject {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as AvroSchemaObject;
  } catch (error) {
    throw new Error(`${file}: not valid JSON (${(error as Error).message}).`);
  }
}

function checkTopLevel({ eventType, version, schema }: SchemaFile): void {
  const where = `schemas/${eventType}/v${version}.avsc`;
  if (schema.type !== 'record' || schema.name !== eventType || schema.namespace !== NAMESPACE) {
    throw new Error(`${where}: must be a record named "${eventType}" in namespace "${NAMESPACE}".`);
  }
  for (const attribute of ['switchyard.topic', 'switchyard.key']) {
    if (typeof schema[attribute] !== 'string') throw new Error(`${where}: needs "${attribute}" (see schemas/README.md).`);
  }
}

/** The file of one event version, the latest when `version` is left out. */
export function findSchemaFile(files: readonly SchemaFile[], eventType: string, version?: number): SchemaFile {
  const versions = files.filter((file) => file.eventType === eventType);
  const found = version === undefined ? versions[versions.length - 1] : versions.find((file) => file.version === version);
  if (!found) throw new Error(`No schema file for ${eventType}${version === undefined ? '' : ` v${version}`}.`);
  return found;
}
