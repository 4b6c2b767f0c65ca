/** An Avro schema as parsed JSON: a type name, a union (array) or a type object. */
export type AvroSchema = string | readonly AvroSchema[] | AvroSchemaObject;

export interface AvroSchemaObject {
  readonly type: AvroSchema;
  readonly [attribute: string]: unknown;
}

export const primitiveTypes: ReadonlySet<string> = new Set([
  'null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string',
]);

const namedTypes: ReadonlySet<string> = new Set(['record', 'error', 'enum', 'fixed']);

export function isNamedTypeObject(schema: AvroSchemaObject): boolean {
  return typeof schema.type === 'string' && namedTypes.has(schema.type);
}

/** Full name and the namespace its nested definitions inherit, per the spec's "Names" rules. */
export function qualify(name: string, namespace: string | undefined, enclosing: string): { fullName: string; namespace: string } {
  if (name.includes('.')) return { fullName: name, namespace: name.slice(0, name.lastIndexOf('.')) };
  const space = namespace ?? enclosing;
  return { fullName: space ? `${space}.${name}` : name, namespace: space };
}

/** Resolves a reference to a named type the way the Java parser does: namespace first, then the null namespace. */
export function resolveReference(name: string, enclosing: string, defined: ReadonlySet<string>): string {
  if (name.includes('.') || !enclosing) return name;
  const qualified = `${enclosing}.${name}`;
  return defined.has(qualified) || !defined.has(name) ? qualified : name;
}
