import { readFileSync } from 'node:fs';
import { formatIssues, parseDocument, type Validated } from '@switchyard/routing-engine';

/**
 * Reads a JSON or YAML configuration file named by a setting and validates it; a bad file stops the start with
 * one error naming the setting, the file and every mistake by its path.
 */
export function readConfigFile<T>(setting: string, path: string, what: string, validate: (document: unknown) => Validated<T>): { document: unknown; value: T } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`${setting} ${path} cannot be read: ${(error as Error).message}`);
  }
  const parsed = parseDocument(text);
  const checked = parsed.ok ? validate(parsed.value) : parsed;
  if (!checked.ok) throw new Error(`${setting} ${path} is not a valid ${what}:\n${formatIssues(checked.issues)}`);
  return { document: parsed.ok ? parsed.value : undefined, value: checked.value };
}

export const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
