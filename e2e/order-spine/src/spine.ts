import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '@switchyard/infra';
import { ServiceProcess, startServiceProcess } from '@switchyard/service-kit';

export const LOCATIONS = ['dc-berlin', 'dc-leipzig', 'dc-munich'] as const;
export type LocationId = (typeof LOCATIONS)[number];

/** A German network of three warehouses; Berlin is closest to the customers of these tests. */
const NETWORK = {
  description: 'End-to-end test network',
  currency: 'EUR',
  fallbackCoordinates: { DE: { lat: 51.16, lon: 10.45 } },
  locations: [
    { id: 'dc-berlin', lat: 52.52, lon: 13.4, country: 'DE', handlingCost: 1.0, channels: ['web'], markets: ['DE'], dailyCapacity: 100000, utcOffsetMinutes: 60 },
    { id: 'dc-leipzig', lat: 51.34, lon: 12.37, country: 'DE', handlingCost: 1.0, channels: ['web'], markets: ['DE'], dailyCapacity: 100000, utcOffsetMinutes: 60 },
    { id: 'dc-munich', lat: 48.14, lon: 11.58, country: 'DE', handlingCost: 1.0, channels: ['web'], markets: ['DE'], dailyCapacity: 100000, utcOffsetMinutes: 60 },
  ],
};

export interface OrderLineInput {
  readonly lineId: string;
  readonly sku: string;
  readonly quantity: number;
}

export interface OrderView {
  readonly orderId: string;
  readonly status: string;
  readonly timeline: { at: string; event: string; summary: string }[];
}

/** The seven services of the order spine, each its own process, on one database and one broker namespace. */
export class Spine {
  private constructor(
    readonly database: TestDatabase,
    readonly namespace: string,
    private readonly processes: Map<string, ServiceProcess>,
    private readonly operatorKey: string,
    private readonly opsKey: string,
    private readonly channelKey: string,
    private readonly workDir: string,
  ) {}

  static async start(namespace: string, env: { dispatchDelayMs: number }): Promise<Spine> {
    const database = await createTestDatabase('e2e order spine');
    const workDir = mkdtempSync(path.join(tmpdir(), 'switchyard-e2e-'));
    const networkFile = path.join(workDir, 'network.json');
    writeFileSync(networkFile, JSON.stringify(NETWORK));
    // Keys made for this run only; services get the key (or, for the orchestrator, its SHA-256).
    const operatorKey = randomBytes(24).toString('hex');
    const opsKey = randomBytes(24).toString('hex');
    const common = { DATABASE_URL: database.url, KAFKA_BROKERS: process.env['KAFKA_BROKERS'], TOPIC_NAMESPACE: namespace, PORT: '0' };
    const services: Record<string, NodeJS.ProcessEnv> = {
      inventory: { INVENTORY_DEFAULT_SAFETY_STOCK: '0' },
      routing: { NETWORK_FILE: networkFile, OPERATOR_API_KEY: operatorKey },
      carrier: { CARRIERS: 'tablerate', LOCATION_COUNTRIES: LOCATIONS.map((l) => `${l}:DE`).join(','), QUOTE_TIMEOUT_MS: '10000' },
      'carrier-tablerate': {},
      'warehouse-simulator': { WAREHOUSE_LOCATIONS: LOCATIONS.join(','), DISPATCH_DELAY_MS: String(env.dispatchDelayMs), DISPATCH_SCAN_INTERVAL_MS: '100', OPERATOR_KEY: operatorKey },
      orchestrator: {
        ORCHESTRATOR_OPERATOR_KEYS: `e2e-ops:operator:${createHash('sha256').update(opsKey).digest('hex')}`,
        ORCHESTRATOR_TIMER_SCAN_INTERVAL_MS: '200',
      },
      'order-intake': { OPERATOR_API_KEY: operatorKey },
    };
    const processes = new Map<string, ServiceProcess>();
    const started = await Promise.allSettled(
      // Seven processes compiling and starting at once on a small machine: give each more than the default 90 s.
      Object.entries(services).map(async ([name, own]) => processes.set(name, await startServiceProcess(name, { env: { ...common, ...own }, timeoutMs: 180_000 }))),
    );
    const failed = started.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed.length > 0) {
      await Promise.all([...processes.values()].map((p) => p.kill()));
      await database.drop();
      throw new Error(failed.map((f) => (f.reason as Error).message).join('\n\n'));
    }
    const intake = processes.get('order-intake') as ServiceProcess;
    const channel = await json<{ keys?: { apiKey: string }[]; apiKey?: string }>(
      await fetch(`${intake.url}/v1/admin/channels`, {
        method: 'POST',
        headers: { authorization: `Bearer ${operatorKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ channelId: 'web', defaultMarket: 'DE', defaultBackOrderPolicy: 'HOLD' }),
      }),
      201,
    );
    const channelKey = channel.apiKey ?? channel.keys?.[0]?.apiKey;
    if (!channelKey) throw new Error(`creating channel "web" returned no API key: ${JSON.stringify(channel)}`);
    return new Spine(database, namespace, processes, operatorKey, opsKey, channelKey, workDir);
  }

  url(service: string): string {
    const found = this.processes.get(service);
    if (!found) throw new Error(`no service ${service} in this spine`);
    return found.url;
  }

  /** Sets a location's count of a SKU through the warehouse simulator (a StockAdjusted from the warehouse). */
  async setStock(locationId: LocationId, sku: string, onHand: number): Promise<void> {
    await json(
      await fetch(`${this.url('warehouse-simulator')}/v1/stock`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.operatorKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ locationId, sku, onHand }),
      }),
      [200, 201],
    );
  }

  /** Makes the simulator reject the next instruction at a location. */
  async rejectNextInstruction(locationId: LocationId, sku: string): Promise<void> {
    await json(
      await fetch(`${this.url('warehouse-simulator')}/v1/faults`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.operatorKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ mode: 'reject', reason: 'OUT_OF_STOCK', locationId, sku }),
      }),
      [200, 201],
    );
  }

  /** Adds SKUs to intake's catalogue without stock (so an order for them is accepted and back-ordered). */
  async knowSkus(skus: string[]): Promise<void> {
    await json(
      await fetch(`${this.url('order-intake')}/v1/admin/catalogue`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.operatorKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ skus }),
      }),
      [200, 201],
    );
  }

  /** Units available to promise per location, as routing sees them (its projection of inventory's StockLevelChanged). */
  async routingAtp(sku: string): Promise<Record<string, number>> {
    const client = new Client({ connectionString: this.database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ location_id: string; available: number }>('SELECT location_id, available FROM routing.atp WHERE sku = $1', [sku]);
      return Object.fromEntries(rows.map((r) => [r.location_id, r.available]));
    } finally {
      await client.end();
    }
  }

  async stock(sku: string): Promise<Record<string, { onHand: number; reserved: number }>> {
    const view = await json<{ locations: { locationId: string; onHand: number; reserved: number }[] }>(await fetch(`${this.url('inventory')}/v1/stock/${sku}`), 200);
    return Object.fromEntries(view.locations.map((l) => [l.locationId, { onHand: l.onHand, reserved: l.reserved }]));
  }

  async placeOrder(channelOrderId: string, lines: OrderLineInput[]): Promise<Response> {
    return fetch(`${this.url('order-intake')}/v1/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.channelKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(orderBody(channelOrderId, lines)),
    });
  }

  async order(orderId: string): Promise<OrderView> {
    return json<OrderView>(await fetch(`${this.url('order-intake')}/v1/orders/${orderId}`, { headers: { authorization: `Bearer ${this.channelKey}` } }), 200);
  }

  async cancelAsChannel(orderId: string): Promise<Response> {
    return fetch(`${this.url('order-intake')}/v1/orders/${orderId}/cancel`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.channelKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'CUSTOMER_REQUEST' }),
    });
  }

  async cancelAsOperator(orderId: string): Promise<Response> {
    return fetch(`${this.url('orchestrator')}/v1/ops/orders/${orderId}/cancel`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.opsKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'customer called to cancel' }),
    });
  }

  /** SIGTERM to every service; resolves with each one's exit code. */
  async stop(): Promise<Record<string, number | null>> {
    const codes = await Promise.all([...this.processes.entries()].map(async ([name, p]) => [name, await p.stop()] as const));
    await this.database.drop();
    rmSync(this.workDir, { recursive: true, force: true });
    return Object.fromEntries(codes);
  }

  /** Last lines of every service's output, for a failure message. */
  output(): string {
    return [...this.processes.values()].map((p) => `--- ${p.name}\n${p.output.slice(-15).join('\n')}`).join('\n');
  }
}

export function orderBody(channelOrderId: string, lines: OrderLineInput[]) {
  return {
    channelOrderId,
    customer: { customerId: `cus-${channelOrderId}`, tier: 'standard', priority: 0, contactReference: `crm:${channelOrderId}` },
    destination: {
      recipientName: 'Kim Weber',
      line1: 'Torstraße 12',
      city: 'Berlin',
      postalCode: '10119',
      countryCode: 'DE',
      coordinates: { latitude: 52.5291, longitude: 13.4013 },
    },
    serviceLevel: 'STANDARD',
    lines: lines.map((l) => ({ ...l, unitWeightGrams: 500, unitPrice: { amount: '19.99', currency: 'EUR' } })),
  };
}

async function json<T>(response: Response, expected: number | number[]): Promise<T> {
  const text = await response.text();
  const ok = Array.isArray(expected) ? expected.includes(response.status) : response.status === expected;
  if (!ok) throw new Error(`${response.url} answered ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}
