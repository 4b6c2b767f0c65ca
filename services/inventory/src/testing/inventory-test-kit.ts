import { randomUUID } from 'node:crypto';
import { EventOf, EventPayload } from '@switchyard/contracts';
import { createTestDatabase, parseBrokers } from '@switchyard/infra';
import { openServiceDatabase } from '@switchyard/service-kit';
import { eventually, startServiceUnderTest, type ServiceUnderTest } from '@switchyard/service-kit/testing';
import { Kafka, logLevel } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { inventoryService } from '../inventory.definition';

const metadata = (correlationId: string) => ({ eventId: randomUUID(), occurredAt: Date.now(), correlationId, causationId: null });

/** Events as the saga, the locations and the warehouses would send them. */
export const send = {
  reserve: (orderId: string, reservationId: string, items: EventPayload<'ReserveStock'>['items']): EventOf<'ReserveStock'> => ({
    type: 'ReserveStock',
    payload: { metadata: metadata(orderId), orderId, reservationId, items },
  }),
  release: (orderId: string, reservationId: string, items: EventPayload<'ReleaseStock'>['items'] = []): EventOf<'ReleaseStock'> => ({
    type: 'ReleaseStock',
    payload: { metadata: metadata(orderId), orderId, reservationId, items, reason: 'ORDER_CANCELLED' },
  }),
  count: (sku: string, locationId: string, onHandAfter: number, quantityDelta = onHandAfter): EventOf<'StockAdjusted'> => ({
    type: 'StockAdjusted',
    payload: { metadata: metadata(`${sku}@${locationId}`), sku, locationId, quantityDelta, onHandAfter, reason: 'CYCLE_COUNT', reference: 'count' },
  }),
  dispatched: (orderId: string, locationId: string, lines: EventPayload<'ShipmentDispatched'>['lines']): EventOf<'ShipmentDispatched'> => ({
    type: 'ShipmentDispatched',
    payload: {
      metadata: metadata(orderId),
      orderId,
      fulfilmentId: `${orderId}-${locationId}`,
      locationId,
      carrier: { carrierId: 'dhl', serviceCode: 'PARCEL' },
      trackingNumber: randomUUID(),
      trackingUrl: null,
      lines,
    },
  }),
};

export interface InventoryUnderTest {
  readonly instances: readonly ServiceUnderTest[];
  /** The first instance: its database, namespace and broker are every instance's. */
  readonly first: ServiceUnderTest;
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts `instances` copies of the inventory service on one fresh database and in one namespace of their own (so
 * one consumer group of its own), and waits until all of them hold partitions.
 */
export async function startInventory(options: { instances?: number; env?: Record<string, string> } = {}): Promise<InventoryUnderTest> {
  const quiet = { writeLog: () => undefined };
  const first = await startServiceUnderTest(inventoryService, options.env, quiet);
  const instances: ServiceUnderTest[] = [first];
  const close = async () => {
    // The others first: the first one drops the database.
    for (const instance of instances.slice(1)) await instance.stop();
    await first.stop();
  };
  try {
    while (instances.length < (options.instances ?? 1)) {
      instances.push(await startServiceUnderTest(inventoryService, { ...options.env, TOPIC_NAMESPACE: first.namespace }, { ...quiet, database: first.database }));
    }
    if (instances.length > 1) await groupStable(`${first.namespace}.${inventoryService.name}`, instances.length);
  } catch (error) {
    await close();
    throw error;
  }
  return { instances, first, url: first.service.url, close };
}

/**
 * Waits until every instance has joined the group and holds partitions, so work really spreads over them. The
 * transport has no view of a group's members, so this asks the broker (kafkajs' admin) by the group's name there,
 * `<namespace>.<group>`.
 */
async function groupStable(brokerGroupId: string, members: number): Promise<void> {
  const admin = new Kafka({ clientId: 'inventory-spec', brokers: parseBrokers(process.env['KAFKA_BROKERS'] ?? ''), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await eventually(async () => {
      const {
        groups: [group],
      } = await admin.describeGroups([brokerGroupId]);
      if (group?.state !== 'Stable' || group.members.length !== members) throw new Error(`group ${brokerGroupId} is ${group?.state} with ${group?.members.length} of ${members} members`);
    });
  } finally {
    await admin.disconnect();
  }
}

/** A fresh database migrated as the service migrates it, with a pool of `connections`: for tests below the transport. */
export async function openInventoryDatabase(connections: number): Promise<{ dataSource: DataSource; close(): Promise<void> }> {
  const database = await createTestDatabase('inventory ledger');
  const dataSource = await openServiceDatabase(inventoryService, { url: database.url, maxConnections: connections });
  return {
    dataSource,
    close: async () => {
      await dataSource.destroy();
      await database.drop();
    },
  };
}

/** The ledger and balances, for invariant checks. */
export interface Balance {
  sku: string;
  locationId: string;
  onHand: number;
  reserved: number;
  ledgerOnHand: number;
  ledgerReserved: number;
}

export async function balances(dataSource: DataSource, skus: readonly string[]): Promise<Balance[]> {
  return dataSource.query(
    `SELECT s.sku, s.location_id AS "locationId", s.on_hand AS "onHand", s.reserved,
            COALESCE(sum(m.on_hand_delta), 0)::int AS "ledgerOnHand", COALESCE(sum(m.reserved_delta), 0)::int AS "ledgerReserved"
     FROM inventory.stock_levels s LEFT JOIN inventory.stock_movements m ON m.sku = s.sku AND m.location_id = s.location_id
     WHERE s.sku = ANY($1) GROUP BY s.sku, s.location_id ORDER BY s.sku, s.location_id`,
    [skus],
  );
}
