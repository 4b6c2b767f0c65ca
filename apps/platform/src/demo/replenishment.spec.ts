import { randomUUID } from 'node:crypto';
import type { EventOf } from '@switchyard/contracts';
import { createTestDatabase, type TestDatabase } from '@switchyard/infra';
import { ensureTopics } from '@switchyard/messaging';
import { warehouseSimulatorService } from '@switchyard/services/warehouse-simulator';
import { startService, type RunningService } from '@switchyard/service-kit';
import { eventually, expectCount, publish, testTransport, TopicReader, uniqueNamespace } from '@switchyard/service-kit/testing';
import { demoNetwork } from './network';
import { DemoReplenishment, type DemoReceipt } from './replenishment';

// The real warehouse simulator takes the receipts; the stock levels are published as inventory would publish them.
const namespace = uniqueNamespace('spec-replenishment');
const bus = testTransport(namespace);
const OPERATOR_KEY = `spec-operator-key-${randomUUID()}`;

// A SKU the national DC stocks, one it does not, and the SKUs out of stock everywhere.
const kassel = demoNetwork.stock['dc-kassel'] as Record<string, number>;
const stocked = Object.keys(kassel).find((sku) => (kassel[sku] as number) >= 40) as string;
const [warmUp, marker] = Object.keys(kassel).filter((sku) => sku !== stocked && (kassel[sku] as number) >= 40) as [string, string];
const start = kassel[stocked] as number;
const notAtKassel = demoNetwork.skus.map((s) => s.sku).find((sku) => kassel[sku] === undefined && !demoNetwork.outOfStockSkus.includes(sku)) as string;

function level(sku: string, locationId: string, available: number): EventOf<'StockLevelChanged'> {
  return {
    type: 'StockLevelChanged',
    payload: { metadata: { eventId: randomUUID(), occurredAt: Date.now(), correlationId: sku, causationId: null }, locationId, sku, onHand: available, reserved: 0, safetyStock: 0, available },
  };
}

describe('demo replenishment against the warehouse simulator', () => {
  let database: TestDatabase;
  let warehouse: RunningService;
  let reader: TopicReader;
  let replenishment: DemoReplenishment;
  const receipts: DemoReceipt[] = [];
  const errors: string[] = [];
  const receivedAt = (locationId: string, sku: string) =>
    reader.of('StockAdjusted', (p) => p.locationId === locationId && p.sku === sku && p.reason === 'RECEIVED' && p.reference?.startsWith('demo-') === true);

  beforeAll(async () => {
    // One partition: the levels of different SKUs are read in the order they are published.
    await ensureTopics(bus, ['inventory.events'], { partitions: 1, replicationFactor: 1 });
    database = await createTestDatabase('demo replenishment');
    const env = {
      DATABASE_URL: database.url,
      KAFKA_BROKERS: process.env['KAFKA_BROKERS'],
      TOPIC_NAMESPACE: namespace,
      OPERATOR_KEY,
      WAREHOUSE_LOCATIONS: demoNetwork.locations.map((l) => l.id).join(','),
    };
    warehouse = await startService(warehouseSimulatorService(env), { env, writeLog: () => undefined });
    reader = await TopicReader.start(bus, ['inventory.events']);
    replenishment = new DemoReplenishment({
      transport: bus,
      warehouseUrl: warehouse.url,
      operatorKey: OPERATOR_KEY,
      network: demoNetwork,
      leadTimeMs: 1_500,
      backOrderArrivalEveryMs: 300,
      backOrderArrivalUnits: 7,
      onError: (message) => errors.push(message),
      onReceipt: (receipt) => receipts.push(receipt),
    });
    await replenishment.start();
  });

  afterAll(async () => {
    await replenishment?.stop();
    await reader?.stop();
    await warehouse?.close();
    await database?.drop();
  });

  it('brings a SKU that fell below its reorder point back to its starting level with one truck, counting what was sold while it came', async () => {
    // The tap starts at the end of the topic: wait until it reads what is published now.
    await eventually(async () => {
      await publish(bus, [level(warmUp, 'dc-kassel', kassel[warmUp] as number)]);
      expect(replenishment.levelsRead).toBeGreaterThan(0);
    });
    await publish(bus, [level(stocked, 'dc-kassel', Math.floor(start * 0.2)), level(stocked, 'dc-kassel', 2), level(stocked, 'dc-kassel', Math.floor(start * 0.1))]);
    const [received] = await eventually(() => expectCount(receivedAt('dc-kassel', stocked), 1, `receipts of ${stocked}`));
    expect(received?.payload.quantityDelta).toBe(start - Math.floor(start * 0.1));
    // The simulator's answer and its event race each other to this process.
    await eventually(() =>
      expect(receipts.filter((r) => r.sku === stocked)).toEqual([{ locationId: 'dc-kassel', sku: stocked, units: start - Math.floor(start * 0.1), why: 'reorder' }]),
    );
  });

  it('orders nothing for a level above the reorder point or a SKU the location never stocked', async () => {
    await publish(bus, [level(stocked, 'dc-kassel', start), level(stocked, 'dc-kassel', Math.ceil(start * 0.25)), level(notAtKassel, 'dc-kassel', 0)]);
    // A truck ordered after them proves they were read and their lead time has passed.
    await publish(bus, [level(marker, 'dc-kassel', 1)]);
    await eventually(() => expectCount(receivedAt('dc-kassel', marker), 1, `receipts of ${marker}`));
    expect(receivedAt('dc-kassel', stocked)).toHaveLength(1);
    expect(receivedAt('dc-kassel', notAtKassel)).toHaveLength(0);
  });

  it('brings in the SKUs out of stock everywhere a few units at a time at the national DC, one after another', async () => {
    const [first, second] = demoNetwork.outOfStockSkus as [string, string];
    const [arrived] = await eventually(() => expectCount(receivedAt('dc-kassel', first).slice(0, 1), 1, `arrivals of ${first}`));
    expect(arrived?.payload.quantityDelta).toBe(7);
    await eventually(() => expect(receivedAt('dc-kassel', second).length).toBeGreaterThan(0));
    expect(errors).toEqual([]);
  });
});
