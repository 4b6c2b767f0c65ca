import type { Address, BackOrderPolicy, Customer, EventPayload, GeoPoint, Money, OrderLine, ServiceLevel } from '@switchyard/contracts';
import { isCountryCode } from './countries';

/** One thing wrong with a submitted order: where (`lines[2].quantity`) and what to do about it. */
export interface Problem {
  readonly path: string;
  readonly problem: string;
}

/** An order as a channel submits it: OrderReceived's payload without its envelope (metadata) and the channel. */
export type OrderSubmission = Omit<EventPayload<'OrderReceived'>, 'metadata' | 'channel'>;

export type ReadOrderResult =
  | { readonly ok: true; readonly order: OrderSubmission }
  | {
      readonly ok: false;
      readonly problems: readonly Problem[];
      /** More lines than allowed: HTTP answers 413 rather than 400. */
      readonly tooManyLines: boolean;
      /** The customer, when that part was valid: an OrderRejected may still tell them. */
      readonly customer: Customer | null;
    };

export const SERVICE_LEVELS: readonly ServiceLevel[] = ['STANDARD', 'EXPRESS', 'NEXT_DAY', 'SAME_DAY'];
export const BACK_ORDER_POLICIES: readonly BackOrderPolicy[] = ['HOLD', 'SPLIT', 'PART_SHIP', 'CANCEL_UNAVAILABLE'];

const ORDER_FIELDS = ['channelOrderId', 'customer', 'destination', 'serviceLevel', 'promisedDate', 'backOrderPolicy', 'lines', 'market'];
const CUSTOMER_FIELDS = ['customerId', 'tier', 'priority', 'contactReference', 'email', 'locale'];
const ADDRESS_FIELDS = ['recipientName', 'line1', 'line2', 'city', 'region', 'postalCode', 'countryCode', 'coordinates'];
const LINE_FIELDS = ['lineId', 'sku', 'quantity', 'unitWeightGrams', 'unitPrice'];

const MAX_QUANTITY = 1_000_000;
const DECIMAL = /^\d{1,14}(\.\d{1,4})?$/;
const CURRENCY = /^[A-Z]{3}$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const LOCALE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/;
const MARKET = /^[A-Za-z0-9_-]{1,32}$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

interface TextRule {
  readonly max: number;
  readonly pattern?: RegExp;
  /** What a valid value looks like, for the problem text. */
  readonly like?: string;
}

/** Collects every problem with its path instead of stopping at the first. */
class Reader {
  readonly problems: Problem[] = [];

  fail(path: string, problem: string): undefined {
    this.problems.push({ path, problem });
    return undefined;
  }

  /** An object with only the given fields (a misspelt field is named rather than silently ignored). */
  object(value: unknown, path: string, fields: readonly string[], what: string): Record<string, unknown> | undefined {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return this.fail(path || '(body)', `must be an object (${what})`);
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!fields.includes(key)) {
        const hint = key === 'channel' ? 'the channel comes from the API key' : `the fields are ${fields.join(', ')}`;
        this.fail(at(path, key), `is not a field of ${what}; remove it (${hint})`);
      }
    }
    return record;
  }

  text(record: Record<string, unknown>, path: string, field: string, rule: TextRule): string | undefined {
    const value = record[field];
    const where = at(path, field);
    if (value === undefined || value === null) return this.fail(where, 'is required');
    if (typeof value !== 'string') return this.fail(where, `must be text, got ${kind(value)}`);
    if (value.trim().length === 0) return this.fail(where, 'must not be empty');
    if (value.length > rule.max) return this.fail(where, `must be at most ${rule.max} characters (has ${value.length})`);
    if (CONTROL.test(value)) return this.fail(where, 'must not contain control characters (line breaks, tabs, ...)');
    if (rule.pattern && !rule.pattern.test(value)) return this.fail(where, `must be ${rule.like ?? `text matching ${rule.pattern}`}`);
    return value;
  }

  optionalText(record: Record<string, unknown>, path: string, field: string, rule: TextRule): string | null | undefined {
    return record[field] === undefined || record[field] === null ? null : this.text(record, path, field, rule);
  }

  int(record: Record<string, unknown>, path: string, field: string, min: number, max: number): number | undefined {
    const value = record[field];
    const where = at(path, field);
    if (value === undefined || value === null) return this.fail(where, 'is required');
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) return this.fail(where, `must be a whole number ≥ ${min}, got ${JSON.stringify(value)}`);
    if (value > max) return this.fail(where, `must be at most ${max}, got ${value}`);
    return value;
  }

  oneOf<T extends string>(record: Record<string, unknown>, path: string, field: string, values: readonly T[]): T | undefined {
    const value = record[field];
    const where = at(path, field);
    if (value === undefined || value === null) return this.fail(where, `is required: one of ${values.join(', ')}`);
    return values.includes(value as T) ? (value as T) : this.fail(where, `must be one of ${values.join(', ')}, got ${JSON.stringify(value)}`);
  }
}

/**
 * Reads an order from a channel: a JSON body over HTTP, or an OrderReceived payload from Kafka (the same
 * rules, so both paths accept and refuse the same orders). Every problem is reported, each with its path.
 */
export function readOrder(input: unknown, limits: { readonly maxLines: number }): ReadOrderResult {
  const reader = new Reader();
  const body = reader.object(input, '', ORDER_FIELDS, 'an order');
  if (!body) return { ok: false, problems: reader.problems, tooManyLines: false, customer: null };

  const channelOrderId = reader.text(body, '', 'channelOrderId', { max: 100, pattern: /^\S(.*\S)?$/, like: 'your order id, without leading or trailing spaces' });
  const before = reader.problems.length;
  const customer = readCustomer(reader, body['customer']);
  const customerValid = reader.problems.length === before ? customer : undefined;
  const destination = readAddress(reader, body['destination']);
  const serviceLevel = reader.oneOf(body, '', 'serviceLevel', SERVICE_LEVELS);
  const promisedDate = readDate(reader, body, 'promisedDate');
  const backOrderPolicy = body['backOrderPolicy'] === undefined || body['backOrderPolicy'] === null ? null : reader.oneOf(body, '', 'backOrderPolicy', BACK_ORDER_POLICIES);
  const market = reader.optionalText(body, '', 'market', { max: 32, pattern: MARKET, like: 'a market code such as DE (letters, digits, _ or -)' });
  const lines = readLines(reader, body['lines'], limits.maxLines);

  if (reader.problems.length > 0 || lines === 'too-many') {
    return { ok: false, problems: reader.problems, tooManyLines: lines === 'too-many', customer: customerValid ?? null };
  }
  const order: OrderSubmission = {
    channelOrderId: channelOrderId as string,
    customer: customer as Customer,
    destination: destination as Address,
    serviceLevel: serviceLevel as ServiceLevel,
    promisedDate: promisedDate ?? null,
    backOrderPolicy: backOrderPolicy ?? null,
    lines: lines as OrderLine[],
    market: market ?? null,
  };
  return { ok: true, order };
}

function readCustomer(reader: Reader, value: unknown): Customer | undefined {
  const path = 'customer';
  const record = reader.object(value, path, CUSTOMER_FIELDS, 'a customer');
  if (!record) return undefined;
  const customerId = reader.text(record, path, 'customerId', { max: 200 });
  const tier = reader.text(record, path, 'tier', { max: 50 });
  const priority = reader.int(record, path, 'priority', 0, 1000);
  const contactReference = reader.text(record, path, 'contactReference', { max: 200 });
  const email = reader.optionalText(record, path, 'email', { max: 254, pattern: EMAIL, like: 'an email address such as kim@example.org' });
  const locale = reader.optionalText(record, path, 'locale', { max: 35, pattern: LOCALE, like: 'a BCP 47 language tag such as de-DE' });
  if ([customerId, tier, priority, contactReference, email, locale].includes(undefined)) return undefined;
  return { customerId, tier, priority, contactReference, email, locale } as Customer;
}

function readAddress(reader: Reader, value: unknown): Address | undefined {
  const path = 'destination';
  const record = reader.object(value, path, ADDRESS_FIELDS, 'an address');
  if (!record) return undefined;
  const recipientName = reader.text(record, path, 'recipientName', { max: 200 });
  const line1 = reader.text(record, path, 'line1', { max: 200 });
  const line2 = reader.optionalText(record, path, 'line2', { max: 200 });
  const city = reader.text(record, path, 'city', { max: 100 });
  const region = reader.optionalText(record, path, 'region', { max: 100 });
  const postalCode = reader.optionalText(record, path, 'postalCode', { max: 20 });
  let countryCode = reader.text(record, path, 'countryCode', { max: 2 });
  if (countryCode !== undefined && !isCountryCode(countryCode)) {
    countryCode = reader.fail(`${path}.countryCode`, `must be an ISO 3166-1 alpha-2 country code in capitals, such as DE or US; got ${JSON.stringify(countryCode)}`);
  }
  const coordinates = readCoordinates(reader, record['coordinates'], `${path}.coordinates`);
  if ([recipientName, line1, line2, city, region, postalCode, countryCode, coordinates].includes(undefined)) return undefined;
  return { recipientName, line1, line2, city, region, postalCode, countryCode, coordinates } as Address;
}

function readCoordinates(reader: Reader, value: unknown, path: string): GeoPoint | null | undefined {
  if (value === undefined || value === null) return null;
  const record = reader.object(value, path, ['latitude', 'longitude'], 'a point (latitude, longitude)');
  if (!record) return undefined;
  const degrees = (field: string, limit: number): number | undefined => {
    const n = record[field];
    return typeof n === 'number' && Number.isFinite(n) && Math.abs(n) <= limit ? n : reader.fail(at(path, field), `must be a number of degrees from -${limit} to ${limit}`);
  };
  const latitude = degrees('latitude', 90);
  const longitude = degrees('longitude', 180);
  return latitude === undefined || longitude === undefined ? undefined : { latitude, longitude };
}

function readDate(reader: Reader, record: Record<string, unknown>, field: string): string | null | undefined {
  const value = record[field];
  if (value === undefined || value === null) return null;
  const match = typeof value === 'string' ? ISO_DATE.exec(value) : null;
  if (match) {
    const [year, month, day] = match.slice(1).map(Number);
    const date = new Date(Date.UTC(year, month - 1, day));
    if (date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day) return value as string;
  }
  return reader.fail(field, `must be a calendar date as YYYY-MM-DD, such as 2026-12-01; got ${JSON.stringify(value)}`);
}

function readLines(reader: Reader, value: unknown, maxLines: number): OrderLine[] | 'too-many' | undefined {
  if (!Array.isArray(value)) return reader.fail('lines', value === undefined || value === null ? 'is required: a list of order lines' : `must be a list of order lines, got ${kind(value)}`);
  if (value.length === 0) return reader.fail('lines', 'must have at least one line');
  if (value.length > maxLines) {
    reader.fail('lines', `has ${value.length} lines; one order may have at most ${maxLines}: split it into several orders`);
    return 'too-many';
  }
  const firstIndexOf = new Map<string, number>();
  const lines = value.map((item, index) => {
    const path = `lines[${index}]`;
    const record = reader.object(item, path, LINE_FIELDS, 'an order line');
    if (!record) return undefined;
    const lineId = reader.text(record, path, 'lineId', { max: 100 });
    if (lineId !== undefined) {
      const first = firstIndexOf.get(lineId);
      if (first === undefined) firstIndexOf.set(lineId, index);
      else reader.fail(`${path}.lineId`, `repeats line id ${JSON.stringify(lineId)} of lines[${first}]; line ids must be unique within an order`);
    }
    const sku = reader.text(record, path, 'sku', { max: 100 });
    const quantity = reader.int(record, path, 'quantity', 1, MAX_QUANTITY);
    const unitWeightGrams = record['unitWeightGrams'] === undefined || record['unitWeightGrams'] === null ? null : reader.int(record, path, 'unitWeightGrams', 0, 10_000_000);
    const unitPrice = readMoney(reader, record['unitPrice'], `${path}.unitPrice`);
    if ([lineId, sku, quantity, unitWeightGrams, unitPrice].includes(undefined)) return undefined;
    return { lineId, sku, quantity, unitWeightGrams, unitPrice } as OrderLine;
  });
  return lines.includes(undefined) ? undefined : (lines as OrderLine[]);
}

function readMoney(reader: Reader, value: unknown, path: string): Money | undefined {
  const record = reader.object(value, path, ['amount', 'currency'], 'an amount of money ({ "amount": "12.34", "currency": "EUR" })');
  if (!record) return undefined;
  // Avro decimals come back at the schema's full scale ("39.9900"); both forms are the same amount.
  const amount = reader.text(record, path, 'amount', { max: 19, pattern: DECIMAL, like: 'a decimal amount ≥ 0 as text, such as "12.34" (at most 4 decimal places)' });
  const currency = reader.text(record, path, 'currency', { max: 3, pattern: CURRENCY, like: 'an ISO 4217 currency code such as EUR' });
  return amount === undefined || currency === undefined ? undefined : { amount, currency };
}

function at(path: string, field: string): string {
  return path ? `${path}.${field}` : field;
}

function kind(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}
