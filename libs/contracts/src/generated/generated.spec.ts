import { readFileSync } from 'node:fs';
import path from 'node:path';
import { renderContracts } from '../../tools/render';
import { readSchemaFiles } from '../../tools/schema-files';

const repoRoot = path.resolve(__dirname, '../../../..');

describe('generated code', () => {
  it.each(renderContracts(readSchemaFiles()))('$path is what the schemas generate (else run `npm run contracts:generate`)', ({ path: file, content }) => {
    expect(readFileSync(path.join(repoRoot, file), 'utf8')).toBe(content);
  });
});
