import type { ParcelToQuote } from '@switchyard/contracts';
import { addTransitDays, dayOf, isoDate } from './calendar';
import { addPercentRounded, amountOf, formatAmount, parseAmount } from './money';
import { rateParcels, type RatingRequest } from './rate';
import { parseRateTable, validateRateTable } from './rate-table';

const tableText = `
currency: EUR
fuelSurchargePercent: "8.5"
zones:
  - { id: DOMESTIC, origins: [DE], destinations: [DE] }
  - { id: NEAR, origins: [DE], destinations: [AT, NL] }
  - { id: FROM_AT, origins: [AT], destinations: [DE] }
weightBands:
  - { id: S, maxGrams: 1000 }
  - { id: M, maxGrams: 5000 }
services:
  - { code: ECONOMY, serviceLevels: [STANDARD], transitDays: { DOMESTIC: 3, NEAR: 5 } }
  - { code: EXPRESS, serviceLevels: [STANDARD, EXPRESS], transitDays: { DOMESTIC: 1, NEAR: 2, FROM_AT: 2 } }
prices:
  ECONOMY: { DOMESTIC: { S: "3.49", M: "4.49" }, NEAR: { S: "8.99", M: "11.99" } }
  EXPRESS: { DOMESTIC: { S: "9.90" }, NEAR: { S: "19.90", M: "24.90" }, FROM_AT: { S: "12.00", M: "14.00" } }
`;
const table = parseRateTable(tableText, 'spec table');

// Friday 2026-11-27, 10:00 UTC.
const friday = Date.UTC(2026, 10, 27, 10);
const eur = (amount: string) => ({ amount, currency: 'EUR' });
const parcel = (shipmentId: string, weightGrams: number, originCountryCode = 'DE'): ParcelToQuote => ({
  shipmentId, originLocationId: `dc-${originCountryCode.toLowerCase()}`, originCountryCode, weightGrams, declaredValue: eur('50.00'),
});
const request = (overrides: Partial<RatingRequest>): RatingRequest => ({
  carrierId: 'tablerate', destinationCountry: 'DE', serviceLevel: 'STANDARD', requestedAt: friday, parcels: [parcel('shp-1', 800)], ...overrides,
});

describe('money in ten-thousandths', () => {
  it('parses decimal strings exactly and refuses anything else', () => {
    expect(parseAmount('4.9')).toBe(49_000n);
    expect(parseAmount('0.0001')).toBe(1n);
    expect(parseAmount('-12.34')).toBe(-123_400n);
    expect(parseAmount('12.34567')).toBeUndefined();
    expect(parseAmount('1e3')).toBeUndefined();
    expect(parseAmount('')).toBeUndefined();
  });

  it('formats to the currency decimals and refuses to drop a non-zero place', () => {
    expect(formatAmount(53_200n, 2)).toBe('5.32');
    expect(formatAmount(500n, 2)).toBe('0.05');
    expect(formatAmount(-1_000_000n, 0)).toBe('-100');
    expect(() => formatAmount(53_210n, 2)).toThrow(/do not fit 2 decimal places/);
  });

  it('adds a percent with half-up rounding where floats would go wrong', () => {
    // 0.10 × 1.05 = 0.105 exactly; as floats 0.1 * 1.05 = 0.10500000000000001 and 1.005 * 100 = 100.49999999999999.
    expect(formatAmount(addPercentRounded(amountOf('0.10'), amountOf('5'), 2), 2)).toBe('0.11');
    expect(formatAmount(addPercentRounded(amountOf('1.005'), 0n, 2), 2)).toBe('1.01');
    expect(formatAmount(addPercentRounded(amountOf('4.19'), amountOf('8.5'), 2), 2)).toBe('4.55');
    expect(formatAmount(addPercentRounded(amountOf('10.00'), amountOf('8.5'), 2), 2)).toBe('10.85');
    expect(formatAmount(addPercentRounded(amountOf('99999999999.99'), amountOf('100'), 2), 2)).toBe('199999999999.98');
  });
});

describe('transit days', () => {
  const fri = dayOf(friday);

  it('counts business days Monday to Friday, a weekend start counting from Monday', () => {
    expect(isoDate(addTransitDays(fri, 0, 'business'))).toBe('2026-11-27');
    expect(isoDate(addTransitDays(fri, 1, 'business'))).toBe('2026-11-30');
    expect(isoDate(addTransitDays(fri, 5, 'business'))).toBe('2026-12-04');
    expect(isoDate(addTransitDays(fri + 1, 0, 'business'))).toBe('2026-11-30');
    expect(isoDate(addTransitDays(fri + 2, 1, 'business'))).toBe('2026-12-01');
  });

  it('counts calendar days as they come, across months and years', () => {
    expect(isoDate(addTransitDays(fri, 1, 'calendar'))).toBe('2026-11-28');
    expect(isoDate(addTransitDays(fri, 35, 'calendar'))).toBe('2027-01-01');
  });
});

describe('rating a request against the table', () => {
  it('offers every service for the level in the parcel zone and band, with the surcharge and the delivery date', () => {
    const outcome = rateParcels(table, request({}));
    expect(outcome).toEqual({
      kind: 'quoted',
      unquoted: [],
      quotes: [
        { shipmentId: 'shp-1', carrier: { carrierId: 'tablerate', serviceCode: 'ECONOMY' }, price: eur('3.79'), estimatedDelivery: '2026-12-02' },
        { shipmentId: 'shp-1', carrier: { carrierId: 'tablerate', serviceCode: 'EXPRESS' }, price: eur('10.74'), estimatedDelivery: '2026-11-30' },
      ],
    });
  });

  it('uses the weight band that takes the parcel: boundaries inclusive, unknown weight in the lightest', () => {
    const outcome = rateParcels(table, request({ destinationCountry: 'NL', parcels: [parcel('at-1000', 1000), parcel('at-1001', 1001), parcel('unknown', 0)] }));
    if (outcome.kind !== 'quoted') throw new Error(`expected quotes, got ${outcome.reason}`);
    const economy = (id: string) => outcome.quotes.find((q) => q.shipmentId === id && q.carrier.serviceCode === 'ECONOMY')?.price.amount;
    expect([economy('at-1000'), economy('at-1001'), economy('unknown')]).toEqual(['9.75', '13.01', '9.75']);
  });

  it('picks the zone by origin and destination country, per parcel', () => {
    const outcome = rateParcels(table, request({ serviceLevel: 'EXPRESS', parcels: [parcel('from-de', 500, 'DE'), parcel('from-at', 500, 'AT')] }));
    if (outcome.kind !== 'quoted') throw new Error(`expected quotes, got ${outcome.reason}`);
    expect(outcome.quotes.map((q) => [q.shipmentId, q.price.amount, q.estimatedDelivery])).toEqual([
      ['from-de', '10.74', '2026-11-30'],
      ['from-at', '13.02', '2026-12-01'],
    ]);
  });

  it('offers only services allowed for the chosen service level', () => {
    const outcome = rateParcels(table, request({ serviceLevel: 'EXPRESS' }));
    if (outcome.kind !== 'quoted') throw new Error(`expected quotes, got ${outcome.reason}`);
    expect(outcome.quotes.map((q) => q.carrier.serviceCode)).toEqual(['EXPRESS']);
    const nextDay = rateParcels(table, request({ serviceLevel: 'NEXT_DAY' }));
    expect(nextDay).toEqual({ kind: 'quoted', quotes: [], unquoted: [{ shipmentId: 'shp-1', reason: 'NO_SERVICE', detail: 'no service for NEXT_DAY in zone DOMESTIC, band S' }] });
  });

  it('gives no quote for an overweight parcel and for a band a service has no price in, and quotes the others', () => {
    const outcome = rateParcels(table, request({ serviceLevel: 'EXPRESS', parcels: [parcel('heavy', 5001), parcel('medium', 3000), parcel('light', 200)] }));
    if (outcome.kind !== 'quoted') throw new Error(`expected quotes, got ${outcome.reason}`);
    expect(outcome.quotes.map((q) => q.shipmentId)).toEqual(['light']);
    expect(outcome.unquoted).toEqual([
      { shipmentId: 'heavy', reason: 'OVERWEIGHT', detail: '5001 g is over the heaviest band (5000 g)' },
      { shipmentId: 'medium', reason: 'NO_SERVICE', detail: 'no service for EXPRESS in zone DOMESTIC, band M' },
    ]);
  });

  it('is unavailable for a destination no zone reaches, or no lane from the parcels origins', () => {
    expect(rateParcels(table, request({ destinationCountry: 'US' }))).toEqual({ kind: 'unavailable', reason: 'DESTINATION_NOT_SERVED: tablerate does not deliver to US' });
    expect(rateParcels(table, request({ destinationCountry: 'AT', parcels: [parcel('p', 100, 'AT')] }))).toEqual({
      kind: 'unavailable',
      reason: 'DESTINATION_NOT_SERVED: tablerate has no zone for AT→AT',
    });
  });

  it('has nothing to say about a request without parcels', () => {
    expect(rateParcels(table, request({ parcels: [] }))).toEqual({ kind: 'quoted', quotes: [], unquoted: [] });
  });

  it('counts calendar days when the table says so', () => {
    const calendar = parseRateTable(`${tableText}\ntransitDayCount: calendar\n`, 'calendar table');
    const outcome = rateParcels(calendar, request({ serviceLevel: 'EXPRESS' }));
    if (outcome.kind !== 'quoted') throw new Error(`expected quotes, got ${outcome.reason}`);
    expect(outcome.quotes[0]?.estimatedDelivery).toBe('2026-11-28');
  });
});

describe('rate table validation', () => {
  it('names every problem by its path', () => {
    const result = validateRateTable({
      currency: 'euro',
      zones: [
        { id: 'A', origins: ['DE'], destinations: ['DE', 'at'] },
        { id: 'B', origins: ['DE'], destinations: ['DE'] },
      ],
      weightBands: [
        { id: 'S', maxGrams: 1000 },
        { id: 'M', maxGrams: 1000 },
      ],
      services: [{ code: 'X', serviceLevels: ['FAST'], transitDays: { A: 1, C: 2 } }],
      prices: { X: { A: { S: 4.9, L: '5.00' } }, Y: {} },
      colour: 'red',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual(
      expect.arrayContaining([
        { path: '/colour', message: 'is not a known field (known: currency, currencyDigits, transitDayCount, fuelSurchargePercent, zones, weightBands, services, prices)' },
        { path: '/currency', message: 'must be an ISO 4217 code such as "EUR" (got "euro")' },
        { path: '/zones/0/destinations/1', message: 'must be an ISO 3166-1 alpha-2 country code such as "DE" (got "at")' },
        { path: '/zones/1', message: 'lane DE→DE is already in zone "A": a lane belongs to one zone' },
        { path: '/weightBands/1/maxGrams', message: "must be above the previous band's 1000 g: list bands lightest first" },
        { path: '/services/0/serviceLevels/0', message: 'must be one of STANDARD, EXPRESS, NEXT_DAY, SAME_DAY (got "FAST")' },
        { path: '/services/0/transitDays/C', message: 'names no zone (zones: A, B)' },
        { path: '/prices/X/A/S', message: 'must be a decimal string such as "4.90" with at most 4 decimal places, not negative, never a bare number (got 4.9)' },
        { path: '/prices/X/A/L', message: 'names no weight band (bands: S, M)' },
        { path: '/prices/Y', message: 'names no service (services: X)' },
      ]),
    );
  });

  it('refuses a service that serves a zone without prices there, and unreadable text', () => {
    expect(() => parseRateTable(tableText.replace('FROM_AT: { S: "12.00", M: "14.00" }', ''), 'spec')).toThrow(
      /\/prices\/EXPRESS\/FROM_AT: service "EXPRESS" serves zone "FROM_AT" but has no prices there/,
    );
    expect(() => parseRateTable('zones: [', 'broken.yaml')).toThrow(/Rate table broken.yaml is not valid:[\s\S]*not valid JSON or YAML/);
  });
});
