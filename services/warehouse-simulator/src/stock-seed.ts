import { readFileSync } from 'node:fs';
import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Outbox } from '@switchyard/messaging';
import { ConfigurationError, SERVICE_SETTINGS, ServiceLogger } from '@switchyard/service-kit';
import { DataSource } from 'typeorm';
import { parse as parseYaml } from 'yaml';
import { outgoing, Warehouse } from './warehouse';
import type { SimulatorSettings } from './warehouse-simulator.settings';

type StockSeed = Record<string, Record<string, number>>;

/** Reads STOCK_FILE: `{ locationId: { sku: units } }` in JSON or YAML, for simulated locations only. */
export function readStockFile(settings: SimulatorSettings): StockSeed {
  const file = settings.STOCK_FILE;
  if (file === undefined) return {};
  const fail = (problems: string[]) => new ConfigurationError('service warehouse-simulator', problems.map((p) => `STOCK_FILE ${file}: ${p}`));
  let document: unknown;
  try {
    document = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw fail([`cannot be read as JSON or YAML: ${(error as Error).message.split('\n')[0]}`]);
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) throw fail(['must map location ids to { sku: units }']);
  const problems: string[] = [];
  for (const [locationId, skus] of Object.entries(document)) {
    if (!settings.WAREHOUSE_LOCATIONS.includes(locationId)) problems.push(`${locationId} is not in WAREHOUSE_LOCATIONS`);
    if (typeof skus !== 'object' || skus === null || Array.isArray(skus)) {
      problems.push(`${locationId} must map SKUs to units`);
      continue;
    }
    for (const [sku, units] of Object.entries(skus)) {
      if (!Number.isInteger(units) || (units as number) < 0) problems.push(`${locationId}/${sku} must be a whole number of units, 0 or more (got ${JSON.stringify(units)})`);
    }
  }
  if (problems.length > 0) throw fail(problems);
  return document as StockSeed;
}

/** Puts STOCK_FILE's stock on hand at start, once per SKU × location. */
@Injectable()
export class StockSeeder implements OnApplicationBootstrap {
  private readonly seed: StockSeed;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(Outbox) private readonly outbox: Outbox,
    @Inject(Warehouse) private readonly warehouse: Warehouse,
    @Inject(SERVICE_SETTINGS) settings: SimulatorSettings,
    @Inject(ServiceLogger) private readonly logger: ServiceLogger,
  ) {
    this.seed = readStockFile(settings);
  }

  async onApplicationBootstrap(): Promise<void> {
    const seeded = await this.dataSource.transaction((em) => this.warehouse.seedStock(em, this.seed, (events) => this.outbox.add(em, outgoing(events))));
    if (seeded > 0) this.logger.info('stock put on hand from STOCK_FILE', { skus: seeded });
  }
}
