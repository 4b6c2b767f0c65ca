import type { ServiceLevel } from '@switchyard/contracts';
import { formatIssues, parseDocument, type Validated, type ValidationIssue } from '@switchyard/routing-engine';
import type { TransitDayCount } from './calendar';
import { parseAmount } from './money';

/** A lane group: every origin country × destination country listed ships at this zone's prices. */
export interface Zone {
  readonly id: string;
  readonly origins: readonly string[];
  readonly destinations: readonly string[];
}

/** Parcels up to `maxGrams` (inclusive) that are heavier than the band before. */
export interface WeightBand {
  readonly id: string;
  readonly maxGrams: number;
}

export interface RatedService {
  readonly code: string;
  /** Service levels a customer may have chosen for this service to be offered. */
  readonly serviceLevels: readonly ServiceLevel[];
  /** Transit days per zone id; a zone missing here is not served by this service. */
  readonly transitDays: Readonly<Record<string, number>>;
}

/** A carrier's table: zones × weight bands × services, prices as decimal strings held as ten-thousandths. */
export interface RateTable {
  readonly currency: string;
  /** Decimal places of the currency: quoted prices are rounded to them (2 for EUR). */
  readonly currencyDigits: number;
  readonly transitDayCount: TransitDayCount;
  /** Percent added to every price, e.g. 8.5 % as 85000n; 0n for none. */
  readonly fuelSurchargePercent: bigint;
  readonly zones: readonly Zone[];
  /** Ascending by maxGrams. */
  readonly weightBands: readonly WeightBand[];
  readonly services: readonly RatedService[];
  /** prices[serviceCode][zoneId][bandId]; a missing entry means the service does not take that band there. */
  readonly prices: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, bigint>>>>>>;
}

const SERVICE_LEVELS: readonly ServiceLevel[] = ['STANDARD', 'EXPRESS', 'NEXT_DAY', 'SAME_DAY'];
const COUNTRY = /^[A-Z]{2}$/;
const CODE = /^[A-Za-z0-9_.-]{1,64}$/;

type Doc = Record<string, unknown>;
const isObject = (value: unknown): value is Doc => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Collects every problem of a rate table document, each at its JSON pointer. */
class Checker {
  readonly issues: ValidationIssue[] = [];

  problem(path: string, message: string): void {
    this.issues.push({ path, message });
  }

  object(value: unknown, path: string): Doc | undefined {
    if (isObject(value)) return value;
    this.problem(path, value === undefined ? 'is required but missing' : 'must be an object');
    return undefined;
  }

  list(value: unknown, path: string): unknown[] {
    if (Array.isArray(value) && value.length > 0) return value;
    this.problem(path, value === undefined ? 'is required but missing' : 'must be a non-empty list');
    return [];
  }

  code(value: unknown, path: string): string | undefined {
    if (typeof value === 'string' && CODE.test(value)) return value;
    this.problem(path, `must be an id of letters, digits, "_", "." or "-" (got ${JSON.stringify(value)})`);
    return undefined;
  }

  wholeNumber(value: unknown, path: string, min: number): number | undefined {
    if (typeof value === 'number' && Number.isInteger(value) && value >= min) return value;
    this.problem(path, `must be a whole number of at least ${min} (got ${JSON.stringify(value)})`);
    return undefined;
  }

  amount(value: unknown, path: string): bigint | undefined {
    const units = typeof value === 'string' ? parseAmount(value) : undefined;
    if (units !== undefined && units >= 0n) return units;
    this.problem(path, `must be a decimal string such as "4.90" with at most 4 decimal places, not negative, never a bare number (got ${JSON.stringify(value)})`);
    return undefined;
  }

  countries(value: unknown, path: string): string[] {
    const items = this.list(value, path);
    items.forEach((item, i) => {
      if (typeof item !== 'string' || !COUNTRY.test(item)) this.problem(`${path}/${i}`, `must be an ISO 3166-1 alpha-2 country code such as "DE" (got ${JSON.stringify(item)})`);
    });
    return items.filter((item): item is string => typeof item === 'string' && COUNTRY.test(item));
  }

  unknownFields(doc: Doc, path: string, known: readonly string[]): void {
    for (const field of Object.keys(doc)) {
      if (!known.includes(field)) this.problem(`${path}/${field}`, `is not a known field (known: ${known.join(', ')})`);
    }
  }
}

const checkZones = (check: Checker, value: unknown): Zone[] => {
  const zones: Zone[] = [];
  const lanes = new Map<string, string>();
  check.list(value, '/zones').forEach((raw, i) => {
    const path = `/zones/${i}`;
    const doc = check.object(raw, path);
    if (!doc) return;
    check.unknownFields(doc, path, ['id', 'origins', 'destinations']);
    const id = check.code(doc['id'], `${path}/id`);
    const origins = check.countries(doc['origins'], `${path}/origins`);
    const destinations = check.countries(doc['destinations'], `${path}/destinations`);
    if (id === undefined) return;
    if (zones.some((zone) => zone.id === id)) check.problem(`${path}/id`, `zone "${id}" is defined twice`);
    for (const origin of origins) {
      for (const destination of destinations) {
        const lane = `${origin}→${destination}`;
        const other = lanes.get(lane);
        if (other !== undefined) check.problem(path, `lane ${lane} is already in zone "${other}": a lane belongs to one zone`);
        else lanes.set(lane, id);
      }
    }
    zones.push({ id, origins, destinations });
  });
  return zones;
};

const checkBands = (check: Checker, value: unknown): WeightBand[] => {
  const bands: WeightBand[] = [];
  check.list(value, '/weightBands').forEach((raw, i) => {
    const path = `/weightBands/${i}`;
    const doc = check.object(raw, path);
    if (!doc) return;
    check.unknownFields(doc, path, ['id', 'maxGrams']);
    const id = check.code(doc['id'], `${path}/id`);
    const maxGrams = check.wholeNumber(doc['maxGrams'], `${path}/maxGrams`, 1);
    if (id === undefined || maxGrams === undefined) return;
    const previous = bands[bands.length - 1];
    if (bands.some((band) => band.id === id)) check.problem(`${path}/id`, `weight band "${id}" is defined twice`);
    if (previous && maxGrams <= previous.maxGrams) check.problem(`${path}/maxGrams`, `must be above the previous band's ${previous.maxGrams} g: list bands lightest first`);
    bands.push({ id, maxGrams });
  });
  return bands;
};

const checkServices = (check: Checker, value: unknown, zoneIds: ReadonlySet<string>): RatedService[] => {
  const services: RatedService[] = [];
  check.list(value, '/services').forEach((raw, i) => {
    const path = `/services/${i}`;
    const doc = check.object(raw, path);
    if (!doc) return;
    check.unknownFields(doc, path, ['code', 'serviceLevels', 'transitDays']);
    const code = check.code(doc['code'], `${path}/code`);
    const serviceLevels = check.list(doc['serviceLevels'], `${path}/serviceLevels`).filter((level, j): level is ServiceLevel => {
      const known = SERVICE_LEVELS.includes(level as ServiceLevel);
      if (!known) check.problem(`${path}/serviceLevels/${j}`, `must be one of ${SERVICE_LEVELS.join(', ')} (got ${JSON.stringify(level)})`);
      return known;
    });
    const transitDays: Record<string, number> = {};
    const transit = check.object(doc['transitDays'], `${path}/transitDays`) ?? {};
    for (const [zoneId, days] of Object.entries(transit)) {
      if (!zoneIds.has(zoneId)) check.problem(`${path}/transitDays/${zoneId}`, `names no zone (zones: ${[...zoneIds].join(', ')})`);
      const checked = check.wholeNumber(days, `${path}/transitDays/${zoneId}`, 0);
      if (checked !== undefined) transitDays[zoneId] = checked;
    }
    if (code === undefined) return;
    if (services.some((service) => service.code === code)) check.problem(`${path}/code`, `service "${code}" is defined twice`);
    services.push({ code, serviceLevels, transitDays });
  });
  return services;
};

const checkPrices = (check: Checker, value: unknown, services: readonly RatedService[], bandIds: ReadonlySet<string>): RateTable['prices'] => {
  const prices: Record<string, Record<string, Record<string, bigint>>> = {};
  const doc = check.object(value, '/prices') ?? {};
  for (const [code, byZone] of Object.entries(doc)) {
    const service = services.find((s) => s.code === code);
    if (!service) {
      check.problem(`/prices/${code}`, `names no service (services: ${services.map((s) => s.code).join(', ')})`);
      continue;
    }
    prices[code] = {};
    for (const [zoneId, byBand] of Object.entries(check.object(byZone, `/prices/${code}`) ?? {})) {
      if (service.transitDays[zoneId] === undefined) {
        check.problem(`/prices/${code}/${zoneId}`, `service "${code}" has no transitDays for zone "${zoneId}": add them or remove these prices`);
        continue;
      }
      const zonePrices: Record<string, bigint> = {};
      for (const [bandId, price] of Object.entries(check.object(byBand, `/prices/${code}/${zoneId}`) ?? {})) {
        if (!bandIds.has(bandId)) check.problem(`/prices/${code}/${zoneId}/${bandId}`, `names no weight band (bands: ${[...bandIds].join(', ')})`);
        const units = check.amount(price, `/prices/${code}/${zoneId}/${bandId}`);
        if (units !== undefined) zonePrices[bandId] = units;
      }
      prices[code][zoneId] = zonePrices;
    }
  }
  for (const service of services) {
    for (const zoneId of Object.keys(service.transitDays)) {
      if (prices[service.code]?.[zoneId] === undefined) check.problem(`/prices/${service.code}/${zoneId}`, `service "${service.code}" serves zone "${zoneId}" but has no prices there`);
    }
  }
  return prices;
};

/** Validates a rate table document (already parsed from JSON or YAML); every problem is named by its path. */
export const validateRateTable = (document: unknown): Validated<RateTable> => {
  const check = new Checker();
  const doc = check.object(document, '/');
  if (!doc) return { ok: false, issues: check.issues };
  check.unknownFields(doc, '', ['currency', 'currencyDigits', 'transitDayCount', 'fuelSurchargePercent', 'zones', 'weightBands', 'services', 'prices']);
  const currency = doc['currency'];
  if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) check.problem('/currency', `must be an ISO 4217 code such as "EUR" (got ${JSON.stringify(currency)})`);
  const currencyDigits = doc['currencyDigits'] === undefined ? 2 : check.wholeNumber(doc['currencyDigits'], '/currencyDigits', 0);
  if (currencyDigits !== undefined && currencyDigits > 4) check.problem('/currencyDigits', 'must be at most 4');
  const transitDayCount = doc['transitDayCount'] ?? 'business';
  if (transitDayCount !== 'business' && transitDayCount !== 'calendar') check.problem('/transitDayCount', `must be "business" or "calendar" (got ${JSON.stringify(transitDayCount)})`);
  const fuelSurchargePercent = doc['fuelSurchargePercent'] === undefined ? 0n : check.amount(doc['fuelSurchargePercent'], '/fuelSurchargePercent');
  const zones = checkZones(check, doc['zones']);
  const weightBands = checkBands(check, doc['weightBands']);
  const services = checkServices(check, doc['services'], new Set(zones.map((zone) => zone.id)));
  const prices = checkPrices(check, doc['prices'], services, new Set(weightBands.map((band) => band.id)));
  if (check.issues.length > 0) return { ok: false, issues: check.issues };
  return {
    ok: true,
    value: {
      currency: currency as string,
      currencyDigits: currencyDigits as number,
      transitDayCount: transitDayCount as TransitDayCount,
      fuelSurchargePercent: fuelSurchargePercent as bigint,
      zones,
      weightBands,
      services,
      prices,
    },
  };
};

/** Parses and validates a rate table from JSON or YAML text; throws one error listing every problem, naming `source`. */
export const parseRateTable = (text: string, source: string): RateTable => {
  const parsed = parseDocument(text);
  const validated = parsed.ok ? validateRateTable(parsed.value) : parsed;
  if (!validated.ok) throw new Error(`Rate table ${source} is not valid:\n${formatIssues(validated.issues)}`);
  return validated.value;
};
