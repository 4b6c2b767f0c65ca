import { Type, types } from 'avsc';
import { describe, explainInvalid } from './avro/logical-types';
import { PayloadProblem } from './errors';

/** Every place where `value` does not match `type`, with a path like `lines[0].unitPrice.amount`; empty when valid. */
export function findProblems(type: Type, value: unknown): PayloadProblem[] {
  // The hook-free check is the fast path; paths are only worth collecting when something is wrong.
  if (type.isValid(value, { noUndeclaredFields: true })) return [];
  const problems = new Map<string, PayloadProblem>();
  // Two passes: avsc stops at a record with undeclared fields, so field problems come from the lenient pass.
  for (const noUndeclaredFields of [false, true]) {
    type.isValid(value, {
      noUndeclaredFields,
      errorHook: (path: string[], invalid: unknown, invalidType: Type) => {
        const problem = { path: formatPath(path), problem: explain(invalidType, invalid) };
        problems.set(`${problem.path}\n${problem.problem}`, problem);
      },
    });
  }
  return [...problems.values()];
}

function formatPath(path: readonly string[]): string {
  return path.reduce((text, part) => (/^\d+$/.test(part) ? `${text}[${part}]` : text ? `${text}.${part}` : part), '');
}

function explain(type: Type, value: unknown): string {
  if (value === undefined) return 'is missing';
  if (type instanceof types.UnwrappedUnionType) return explainOptional(type, value);
  if (type instanceof types.RecordType) return explainRecord(type, value);
  if (type instanceof types.EnumType) return `expected one of ${type.symbols.join(', ')}, got ${describe(value)}`;
  return explainInvalid(type, value) ?? `expected ${expectation(type)}, got ${describe(value)}`;
}

function explainOptional(type: types.UnwrappedUnionType, value: unknown): string {
  const branch = (type.types as Type[]).find((candidate) => candidate.typeName !== 'null') as Type;
  const reason = branch instanceof types.EnumType ? `one of ${branch.symbols.join(', ')}` : undefined;
  return explainInvalid(branch, value)?.concat(' (null is also allowed)') ?? `expected ${reason ?? expectation(branch)} or null, got ${describe(value)}`;
}

function explainRecord(type: types.RecordType, value: unknown): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return `expected ${expectation(type)}, got ${describe(value)}`;
  const declared = new Set(type.fields.map((field) => field.name));
  const unknown = Object.keys(value).filter((key) => !declared.has(key));
  return `has field(s) the schema does not declare: ${unknown.join(', ')} (declared: ${[...declared].join(', ')})`;
}

function expectation(type: Type): string {
  switch (type.typeName) {
    case 'int': return 'a whole number (int, 32-bit)';
    case 'long': return 'a whole number (long, within ±2^53)';
    case 'float':
    case 'double': return 'a number';
    case 'boolean': return 'true or false';
    case 'bytes': return 'a Buffer';
    case 'array': return 'a list';
    case 'map': return 'an object of values';
    case 'record': return `an object (${type.name?.slice(type.name.lastIndexOf('.') + 1)})`;
    default: return `a ${type.typeName}`;
  }
}
