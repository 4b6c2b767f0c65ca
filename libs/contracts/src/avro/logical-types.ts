import { Schema, Type, types } from 'avsc';

// Money must never pass through a float: amounts are decimal strings such as "12.34".
const DECIMAL_TEXT = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * Avro `decimal` on `bytes`: a string like "12.34" in TypeScript, the two's-complement big-endian
 * unscaled integer on the wire. Decoded values carry exactly `scale` decimal places ("12.3400").
 */
export class DecimalType extends types.LogicalType {
  readonly precision: number;
  readonly scale: number;

  constructor(schema: Schema, opts?: unknown) {
    super(schema, opts);
    const { precision, scale = 0 } = schema as { precision?: unknown; scale?: unknown };
    if (!Number.isInteger(precision) || (precision as number) < 1) throw new Error(`decimal needs a whole, positive "precision", got ${JSON.stringify(precision)}.`);
    if (!Number.isInteger(scale) || (scale as number) < 0 || (scale as number) > (precision as number)) {
      throw new Error(`decimal "scale" must be a whole number from 0 to the precision, got ${JSON.stringify(scale)}.`);
    }
    if (!Type.isType(this.underlyingType, 'bytes')) throw new Error('decimal is supported on bytes only.');
    this.precision = precision as number;
    this.scale = scale as number;
  }

  /** Why a value is not a valid amount for this type, or undefined when it is. */
  explain(value: unknown): string | undefined {
    if (typeof value !== 'string') return `expected a decimal string like "12.34" (numbers are refused so no float touches money), got ${describe(value)}`;
    const match = DECIMAL_TEXT.exec(value);
    if (!match) return `expected a decimal string like "12.34", got ${JSON.stringify(value)}`;
    const [, , whole, fraction = ''] = match;
    if (fraction.length > this.scale) return `${JSON.stringify(value)} has ${fraction.length} decimal places; at most ${this.scale} fit`;
    const digits = (whole.replace(/^0+/, '') + fraction.padEnd(this.scale, '0')).replace(/^0+/, '');
    if (digits.length > this.precision) return `${JSON.stringify(value)} has more than ${this.precision} significant digits`;
    return undefined;
  }

  protected override _toValue(value: unknown): Buffer | undefined {
    if (this.explain(value) !== undefined) return undefined;
    const [, sign, whole, fraction = ''] = DECIMAL_TEXT.exec(value as string) as RegExpExecArray;
    const unscaled = BigInt(`${sign}${whole}${fraction.padEnd(this.scale, '0')}`);
    return twosComplement(unscaled);
  }

  protected override _fromValue(bytes: Buffer): string {
    const unscaled = fromTwosComplement(bytes);
    const digits = (unscaled < 0n ? -unscaled : unscaled).toString().padStart(this.scale + 1, '0');
    const sign = unscaled < 0n ? '-' : '';
    if (this.scale === 0) return `${sign}${digits}`;
    return `${sign}${digits.slice(0, -this.scale)}.${digits.slice(-this.scale)}`;
  }

  // The spec lets decimals resolve only when precision and scale match.
  protected override _resolve(writer: Type): ((value: string) => string) | undefined {
    if (writer instanceof DecimalType && writer.precision === this.precision && writer.scale === this.scale) return (value) => value;
    return undefined;
  }

  protected override _export(attributes: Schema): void {
    Object.assign(attributes, { precision: this.precision, scale: this.scale });
  }
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** Avro `date` on `int`: an ISO calendar date "2026-12-01" in TypeScript, days since 1970-01-01 on the wire. */
export class DateType extends types.LogicalType {
  constructor(schema: Schema, opts?: unknown) {
    super(schema, opts);
    if (!Type.isType(this.underlyingType, 'int')) throw new Error('date is supported on int only.');
  }

  explain(value: unknown): string | undefined {
    return this._toValue(value) === undefined ? `expected an ISO date like "2026-12-01", got ${describe(value)}` : undefined;
  }

  protected override _toValue(value: unknown): number | undefined {
    const match = typeof value === 'string' ? ISO_DATE.exec(value) : null;
    if (!match) return undefined;
    const millis = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
    // Date.UTC rolls 2026-02-30 over to March; a real date survives the round trip.
    return this._fromValue(millis / DAY_MS) === value ? millis / DAY_MS : undefined;
  }

  protected override _fromValue(days: number): string {
    return new Date(days * DAY_MS).toISOString().slice(0, 10);
  }

  protected override _resolve(writer: Type): ((value: string) => string) | undefined {
    return writer instanceof DateType ? (value) => value : undefined;
  }
}

/** What `explain` gives for the logical types here; other types have no explanation. */
export function explainInvalid(type: Type, value: unknown): string | undefined {
  return type instanceof DecimalType || type instanceof DateType ? type.explain(value) : undefined;
}

export const logicalTypes = { decimal: DecimalType, date: DateType };

function twosComplement(value: bigint): Buffer {
  let length = 1;
  while (value < -(1n << BigInt(8 * length - 1)) || value >= 1n << BigInt(8 * length - 1)) length++;
  const bytes = Buffer.alloc(length);
  let rest = BigInt.asUintN(8 * length, value);
  for (let index = length - 1; index >= 0; index--) {
    bytes[index] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return bytes;
}

function fromTwosComplement(bytes: Buffer): bigint {
  if (bytes.length === 0) return 0n;
  const unsigned = BigInt(`0x${bytes.toString('hex')}`);
  return BigInt.asIntN(8 * bytes.length, unsigned);
}

export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
