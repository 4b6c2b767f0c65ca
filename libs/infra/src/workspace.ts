import { existsSync } from 'node:fs';
import path from 'node:path';

/** The repository root: the nearest folder above this file that holds nx.json. */
export function workspaceRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'nx.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`Cannot find the Switchyard workspace (no nx.json above ${__dirname}).`);
    dir = parent;
  }
  return dir;
}

/** Git-ignored folder for everything fetched or generated at run time (Kafka jars, broker data, state). */
export function cacheDir(...parts: string[]): string {
  return path.join(process.env['SWITCHYARD_CACHE_DIR'] ?? path.join(workspaceRoot(), '.cache'), ...parts);
}
