// Writes the generated TypeScript from schemas/ (`npm run contracts:generate`).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderContracts } from './render';
import { readSchemaFiles } from './schema-files';

const repoRoot = path.resolve(__dirname, '../../..');

try {
  for (const file of renderContracts(readSchemaFiles())) {
    writeFileSync(path.join(repoRoot, file.path), file.content);
    console.log(`wrote ${file.path}`);
  }
} catch (error) {
  console.error(`contracts:generate: ${(error as Error).message}`);
  process.exitCode = 1;
}
