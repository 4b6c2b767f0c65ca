import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { parse as parseYaml, YAMLParseError } from 'yaml';

/** Something wrong in user input: where (a JSON pointer such as `/orders/0/lines/1/quantity`) and what. */
export type ValidationIssue = { readonly path: string; readonly message: string };

export type Validated<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly issues: readonly ValidationIssue[] };

const ajv = new Ajv({ allErrors: true, strict: false });

const describe = (error: ErrorObject): ValidationIssue => {
  const path = error.instancePath || '/';
  switch (error.keyword) {
    case 'required':
      return { path: `${error.instancePath}/${String(error.params['missingProperty'])}`, message: 'is required but missing' };
    case 'additionalProperties':
      return {
        path: `${error.instancePath}/${String(error.params['additionalProperty'])}`,
        message: 'is not a known field (check the spelling against the schema)',
      };
    case 'enum':
      return { path, message: `must be one of ${(error.params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'uniqueItems': {
      const [first, second] = [Number(error.params['j']), Number(error.params['i'])].sort((a, b) => a - b);
      return { path, message: `lists the same value twice (items ${first + 1} and ${second + 1}): remove one` };
    }
    default:
      return { path, message: error.message ?? `fails ${error.keyword}` };
  }
};

// oneOf failures repeat every branch's complaint; keep the most specific distinct ones.
const distinct = (issues: ValidationIssue[]): ValidationIssue[] => {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.path} ${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
};

/** A validator for one JSON Schema, compiled on first use. */
export const schemaValidator = <T>(schema: object): ((value: unknown) => Validated<T>) => {
  let compiled: ValidateFunction | undefined;
  return (value) => {
    compiled ??= ajv.compile(schema);
    if (compiled(value)) return { ok: true, value: value as T };
    return { ok: false, issues: distinct((compiled.errors ?? []).filter((e) => e.keyword !== 'oneOf').map(describe)) };
  };
};

/** Parses JSON or YAML text (YAML is a superset of JSON); errors carry line and column. */
export const parseDocument = (text: string): Validated<unknown> => {
  try {
    return { ok: true, value: parseYaml(text, { prettyErrors: true }) as unknown };
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const [line, column] = error.linePos?.[0] ? [error.linePos[0].line, error.linePos[0].col] : [undefined, undefined];
      const where = line === undefined ? '/' : `line ${line}, column ${column}`;
      return { ok: false, issues: [{ path: where, message: `is not valid JSON or YAML: ${error.message.split('\n')[0]}` }] };
    }
    throw error;
  }
};

export const formatIssues = (issues: readonly ValidationIssue[]): string =>
  issues.map((issue) => `  ${issue.path}: ${issue.message}`).join('\n');
