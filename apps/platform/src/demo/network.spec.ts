import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServiceLevel } from '@switchyard/contracts';
import { parseRateTable, rateParcels } from '@switchyard/rating';
import { validateScenario } from '@switchyard/routing-engine';
import type { ServiceDefinition } from '@switchyard/service-kit';
import { startServiceUnderTest } from '@switchyard/service-kit/testing';
import { carrierService } from '@switchyard/services/carrier';
import { carrierTablerateService } from '@switchyard/services/carrier-tablerate';
import { inventoryService } from '@switchyard/services/inventory';
import { routingService } from '@switchyard/services/routing';
import { warehouseSimulatorService } from '@switchyard/services/warehouse-simulator';
import { catalogueSkus, demoNetwork, demoServiceEnv, writeDemoFiles, type DemoFiles } from './network';

// The demo files are loaded by the services' own loaders: routing and the warehouse simulator are started on
// them (a bad file stops their start), rate tables go through the parser the table-rate adapter uses.

let dir: string;
let files: DemoFiles;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'switchyard-demo-'));
  files = writeDemoFiles(dir);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Problems a service's own settings find in an environment (the check a start does first). */
function settingProblems(definition: ServiceDefinition, env: NodeJS.ProcessEnv): string[] {
  return Object.entries(definition.settings ?? {}).flatMap(([name, setting]) => {
    const parsed = setting.parse(env[name], name);
    return 'problem' in parsed ? [`${name}: ${parsed.problem}`] : [];
  });
}

describe('the demo network', () => {
  it('has the promised shape: 3 DCs, a 3PL, 5 stores, ~300 SKUs, 3 carriers, 3 channels', () => {
    const kinds = demoNetwork.locations.map((l) => l.kind);
    expect(kinds.filter((k) => k === 'dc')).toHaveLength(3);
    expect(kinds.filter((k) => k === '3pl')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'store')).toHaveLength(5);
    expect(demoNetwork.skus).toHaveLength(300);
    expect(new Set(demoNetwork.skus.map((s) => s.sku)).size).toBe(300);
    expect(demoNetwork.carriers.map((c) => c.carrierId)).toEqual(['sparpaket', 'paketnetz', 'blitzkurier']);
    expect(demoNetwork.channels.map((c) => [c.channelId, c.kind])).toEqual([['web', 'B2C'], ['marketplace', 'B2C'], ['wholesale', 'B2B']]);
    expect(demoNetwork.channels.reduce((sum, c) => sum + c.share, 0)).toBeCloseTo(1, 10);
    expect(demoNetwork.countries.reduce((sum, c) => sum + c.share, 0)).toBeCloseTo(1, 10);
  });

  it('stocks a long tail and leaves the out-of-stock SKUs at zero everywhere', () => {
    const stockedSomewhere = new Set(Object.values(demoNetwork.stock).flatMap((bySku) => Object.keys(bySku)));
    expect(demoNetwork.outOfStockSkus.length).toBeGreaterThanOrEqual(5);
    for (const sku of demoNetwork.outOfStockSkus) expect(stockedSomewhere.has(sku)).toBe(false);
    expect(stockedSomewhere.size).toBe(demoNetwork.skus.length - demoNetwork.outOfStockSkus.length);
    // Best seller in thousands at the national DC, the tail in tens or less.
    const kassel = demoNetwork.stock['dc-kassel'] ?? {};
    const byRank = [...demoNetwork.skus].sort((a, b) => a.popularityRank - b.popularityRank).filter((s) => kassel[s.sku] !== undefined);
    expect(kassel[byRank[0]?.sku ?? ""]).toBeGreaterThan(1_000);
    expect(kassel[byRank[byRank.length - 1]?.sku ?? ""]).toBeLessThan(100);
    // Stores hold a few units.
    for (const store of demoNetwork.locations.filter((l) => l.kind === 'store')) {
      const units = Object.values(demoNetwork.stock[store.id] ?? {});
      expect(units.length).toBeGreaterThan(20);
      expect(Math.max(...units)).toBeLessThanOrEqual(12);
    }
  });

  it('is the same on every build (no clock, no Math.random)', () => {
    jest.isolateModules(() => {
      const again = (require('./network') as typeof import('./network')).buildDemoNetwork();
      expect(JSON.stringify(again)).toBe(JSON.stringify(demoNetwork));
    });
  });

  it('writes a network file the routing engine accepts', () => {
    const document = JSON.parse(readFileSync(files.networkFile, 'utf8'));
    const checked = validateScenario({ locations: document.locations, stock: [], orders: [] });
    expect(checked.ok ? [] : checked.issues).toEqual([]);
    expect(Object.keys(document.fallbackCoordinates).sort()).toEqual(['AT', 'BE', 'DE', 'NL', 'PL']);
  });

  it('writes rate tables the table-rate adapter parses, one per carrier', () => {
    expect(Object.keys(files.rateTableFiles)).toEqual(demoNetwork.carriers.map((c) => c.carrierId));
    for (const [carrierId, file] of Object.entries(files.rateTableFiles)) {
      const table = parseRateTable(readFileSync(file, 'utf8'), file);
      expect({ carrierId, currency: table.currency, zones: table.zones.length }).toEqual({ carrierId, currency: 'EUR', zones: 8 });
    }
  });

  it('has a carrier quote for every lane the network ships, at every service level the mix asks for', () => {
    const tables = Object.entries(files.rateTableFiles).map(([carrierId, file]) => ({ carrierId, table: parseRateTable(readFileSync(file, 'utf8'), file) }));
    const unquoted: string[] = [];
    const cases: { level: ServiceLevel; grams: number }[] = [
      { level: 'STANDARD', grams: 800 },
      { level: 'STANDARD', grams: 31_500 },
      { level: 'STANDARD', grams: 900_000 }, // a wholesale pallet
      { level: 'EXPRESS', grams: 800 },
      { level: 'EXPRESS', grams: 31_500 }, // the heaviest express order the mix makes
    ];
    for (const location of demoNetwork.locations) {
      for (const destination of location.markets) {
        for (const { level, grams } of cases) {
          const quoted = tables.some(({ carrierId, table }) => {
            const outcome = rateParcels(table, {
              carrierId,
              destinationCountry: destination,
              serviceLevel: level,
              requestedAt: Date.UTC(2026, 10, 27, 9),
              parcels: [{ shipmentId: 's1', originLocationId: location.id, originCountryCode: location.country, weightGrams: grams, declaredValue: { amount: '10.00', currency: 'EUR' } }],
            });
            return outcome.kind === 'quoted' && outcome.quotes.length > 0;
          });
          if (!quoted) unquoted.push(`${location.id} → ${destination} ${level} ${grams} g`);
        }
      }
    }
    expect(unquoted).toEqual([]);
  });

  it("gives every service settings its own settings accept, with one carrier adapter per carrier", () => {
    const env = demoServiceEnv(files);
    expect(settingProblems(routingService as ServiceDefinition, env.routing)).toEqual([]);
    expect(settingProblems(carrierService(env.carrier) as ServiceDefinition, env.carrier)).toEqual([]);
    expect(settingProblems(inventoryService as ServiceDefinition, env.inventory)).toEqual([]);
    expect(settingProblems(warehouseSimulatorService(env['warehouse-simulator']) as ServiceDefinition, env['warehouse-simulator'])).toEqual([]);
    expect(env.carrier['CARRIERS']).toBe('sparpaket,paketnetz,blitzkurier');
    expect(env.carrier['LOCATION_COUNTRIES']?.split(',')).toContain('dc-venlo:NL');
    expect(env.carrierAdapters.map((a) => carrierTablerateService(a).name)).toEqual(['carrier-sparpaket', 'carrier-paketnetz', 'carrier-blitzkurier']);
    for (const adapter of env.carrierAdapters) expect(settingProblems(carrierTablerateService(adapter) as ServiceDefinition, { ...adapter })).toEqual([]);
    expect(Number(env['warehouse-simulator']['DISPATCH_DELAY_MS'])).toBeGreaterThanOrEqual(1_000);
    expect(catalogueSkus()).toHaveLength(300);
  });

  it('demoServiceEnv names a carrier whose rate table file is missing', () => {
    expect(() => demoServiceEnv({ ...files, rateTableFiles: {} })).toThrow('no rate table file for carrier(s) sparpaket, paketnetz, blitzkurier');
  });
});

describe('the demo files in the services', () => {
  it('routing starts on the network file and serves its locations', async () => {
    const env = demoServiceEnv(files);
    const sut = await startServiceUnderTest(routingService as ServiceDefinition, env.routing);
    try {
      const response = await fetch(`${sut.service.url}/v1/network`);
      expect(response.status).toBe(200);
      const network = (await response.json()) as { currency: string; locations: { id: string }[] };
      expect(network.currency).toBe('EUR');
      expect(network.locations.map((l) => l.id)).toEqual(demoNetwork.locations.map((l) => l.id));
    } finally {
      await sut.stop();
    }
  });

  it('the warehouse simulator starts on the stock file and puts every count on hand', async () => {
    const env = demoServiceEnv(files)['warehouse-simulator'];
    const sut = await startServiceUnderTest(warehouseSimulatorService(env) as ServiceDefinition, env);
    try {
      const rows: { location_id: string; units: number; skus: number }[] = await sut.service.dataSource.query(
        `SELECT location_id, sum(on_hand)::int AS units, count(*)::int AS skus FROM warehouse_simulator.stock GROUP BY location_id ORDER BY location_id`,
      );
      const expected = Object.entries(demoNetwork.stock)
        .map(([locationId, bySku]) => ({ location_id: locationId, units: Object.values(bySku).reduce((a, b) => a + b, 0), skus: Object.keys(bySku).length }))
        .sort((a, b) => a.location_id.localeCompare(b.location_id));
      expect(rows).toEqual(expected);
    } finally {
      await sut.stop();
    }
  });
});
