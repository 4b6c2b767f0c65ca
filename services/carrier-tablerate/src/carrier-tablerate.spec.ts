import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRateTable, rateParcels } from '@switchyard/rating';
import { ConfigurationError } from '@switchyard/service-kit';
import { startServiceUnderTest } from '@switchyard/service-kit/testing';
import { carrierTablerateService } from './carrier-tablerate.definition';
import { tablerateSettings } from './carrier-tablerate.settings';

// The adapter's round trip over Kafka (request → CarrierQuoted, and SIMULATE_DOWN) runs in services/carrier's
// spec, where the carrier service talks to this adapter as a separate process.

const defaultFile = tablerateSettings.RATE_TABLE_FILE.parse(undefined, 'RATE_TABLE_FILE');

describe('the example rate table shipped with the adapter', () => {
  it('is valid and prices a domestic parcel with the fuel surcharge', () => {
    if (!('value' in defaultFile)) throw new Error('RATE_TABLE_FILE has a default');
    const table = parseRateTable(readFileSync(defaultFile.value, 'utf8'), defaultFile.value);
    const outcome = rateParcels(table, {
      carrierId: 'tablerate',
      destinationCountry: 'DE',
      serviceLevel: 'NEXT_DAY',
      requestedAt: Date.UTC(2026, 11, 1, 9),
      parcels: [{ shipmentId: 's1', originLocationId: 'dc-berlin', originCountryCode: 'DE', weightGrams: 4200, declaredValue: { amount: '80.00', currency: 'EUR' } }],
    });
    // NEXT_DAY_1200, 1–5 kg: 17.90 + 8.5 % = 19.4215 → 19.42; one business day after Tuesday 2026-12-01.
    expect(outcome).toEqual({
      kind: 'quoted',
      unquoted: [],
      quotes: [{ shipmentId: 's1', carrier: { carrierId: 'tablerate', serviceCode: 'NEXT_DAY_1200' }, price: { amount: '19.42', currency: 'EUR' }, estimatedDelivery: '2026-12-02' }],
    });
  });
});

describe('starting the adapter', () => {
  let folder: string;
  const quiet = { writeLog: () => undefined };

  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'tablerate-'));
  });

  afterAll(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  // On a fresh database (dropped again when the start fails) and a namespace of its own.
  const start = (rateTableFile: string) => {
    const env = { RATE_TABLE_FILE: rateTableFile };
    return startServiceUnderTest(carrierTablerateService(env), env, quiet);
  };

  it('refuses a rate table with mistakes, naming the file and every problem', async () => {
    const file = join(folder, 'bad.yaml');
    writeFileSync(file, 'currency: EUR\nzones: []\nweightBands: [{ id: S, maxGrams: 1000 }]\nservices: []\nprices: { X: {} }\n');
    const attempt = start(file);
    await expect(attempt).rejects.toBeInstanceOf(ConfigurationError);
    await expect(attempt).rejects.toThrow(/RATE_TABLE_FILE: Rate table .*bad\.yaml is not valid:\n\s+\/zones: must be a non-empty list\n\s+\/services: must be a non-empty list\n\s+\/prices\/X: names no service/);
  });

  it('refuses a rate table file that is not there', async () => {
    await expect(start(join(folder, 'missing.yaml'))).rejects.toThrow(/RATE_TABLE_FILE .*missing\.yaml cannot be read: ENOENT/);
  });

  it('refuses a carrier id that cannot name a topic, before anything starts', async () => {
    const env = { CARRIER_ID: 'Table Rate!' };
    await expect(startServiceUnderTest(carrierTablerateService(env), env, quiet)).rejects.toThrow(/CARRIER_ID must be text matching/);
  });
});
