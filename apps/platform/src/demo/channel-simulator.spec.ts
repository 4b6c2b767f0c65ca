import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServiceDefinition } from '@switchyard/service-kit';
import { eventually, startServiceUnderTest, TopicReader, type ServiceUnderTest } from '@switchyard/service-kit/testing';
import { orderIntakeService } from '@switchyard/services/order-intake';
import { ChannelSimulator, setupDemoChannels, type ChannelKey, type SimulatorFailure } from './channel-simulator';
import { demoNetwork } from './network';
import { createOrderMix, takeOrders, type GeneratedOrder } from './order-mix';

// The channel simulator against a real order-intake (real PostgreSQL and Kafka): channels and catalogue set up
// through the admin API, generated orders accepted, flagged ones cancelled, failures reported with status and body.

const operatorKey = `op-${randomBytes(24).toString('hex')}`;
let sut: ServiceUnderTest;
let url: string;
let keys: ChannelKey[];

beforeAll(async () => {
  sut = await startServiceUnderTest(orderIntakeService as ServiceDefinition, {
    OPERATOR_API_KEY: operatorKey,
    // Intake refuses destinations outside the network's countries: every generated order must be inside.
    SERVICEABLE_COUNTRIES: demoNetwork.countries.map((c) => c.code).join(','),
  });
  url = sut.service.url;
  keys = (await setupDemoChannels(url, operatorKey, demoNetwork)).map(({ channelId, apiKey }) => ({ channelId, apiKey }));
});

afterAll(async () => {
  await sut?.stop();
});

async function post(path: string, apiKey: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

const keyOf = (channelId: string) => keys.find((k) => k.channelId === channelId)?.apiKey ?? '';

describe('setupDemoChannels', () => {
  it('creates every channel with its defaults and registers the whole catalogue, out-of-stock SKUs included', async () => {
    expect(keys.map((k) => k.channelId)).toEqual(['web', 'marketplace', 'wholesale']);
    const channels: { channel_id: string; default_market: string | null; default_back_order_policy: string }[] = await sut.service.dataSource.query(
      `SELECT channel_id, default_market, default_back_order_policy FROM order_intake.channels ORDER BY channel_id`,
    );
    expect(channels).toEqual([
      { channel_id: 'marketplace', default_market: null, default_back_order_policy: 'PART_SHIP' },
      { channel_id: 'web', default_market: null, default_back_order_policy: 'HOLD' },
      { channel_id: 'wholesale', default_market: 'B2B', default_back_order_policy: 'SPLIT' },
    ]);
    const [{ count }] = await sut.service.dataSource.query(`SELECT count(*)::int AS count FROM order_intake.catalogue WHERE sku = ANY($1::text[])`, [demoNetwork.skus.map((s) => s.sku)]);
    expect(count).toBe(300);
  });

  it('is idempotent: known keys that work are kept, and without them a new working key is issued', async () => {
    const known = Object.fromEntries(keys.map((k) => [k.channelId, k.apiKey]));
    const again = await setupDemoChannels(url, operatorKey, demoNetwork, known);
    expect(again).toEqual(keys.map((k) => ({ ...k, created: false, keyIssued: false })));

    const forgotten = await setupDemoChannels(url, operatorKey, demoNetwork, { web: 'syk_0000000000000000.not-a-key' });
    expect(forgotten.map((k) => [k.channelId, k.created, k.keyIssued])).toEqual([['web', false, true], ['marketplace', false, true], ['wholesale', false, true]]);
    for (const key of forgotten) expect(key.apiKey).not.toBe(known[key.channelId]);
    const [order] = takeOrders(createOrderMix({ seed: 5, network: demoNetwork, runId: 'newkey', channels: ['web'] }), 1) as [GeneratedOrder];
    expect((await post('/v1/orders', forgotten[0]?.apiKey ?? '', order.body)).status).toBe(202);
  });

  it('names the admin API being off or the operator key being wrong', async () => {
    await expect(setupDemoChannels(url, 'x'.repeat(40), demoNetwork)).rejects.toThrow(/creating channel web answered 401 .*the operator key is not the one order-intake has/);
  });
});

describe('generated orders in order-intake', () => {
  it('every generated order passes intake’s validation, catalogue and serviceable countries: 2,000 orders, all 202', async () => {
    const orders = takeOrders(createOrderMix({ seed: 2026, network: demoNetwork, runId: 'valid' }), 2_000);
    const refused: string[] = [];
    for (let i = 0; i < orders.length; i += 25) {
      const answers = await Promise.all(orders.slice(i, i + 25).map(async (order) => ({ order, answer: await post('/v1/orders', keyOf(order.channelId), order.body) })));
      for (const { order, answer } of answers) {
        if (answer.status !== 202) refused.push(`${order.body.channelOrderId} (${order.channelId}): ${answer.status} ${JSON.stringify(answer.body)}`);
      }
    }
    expect(refused).toEqual([]);
    // The sample covers what the mix promises: every channel, express, priority, out-of-stock SKUs, big wholesale orders.
    expect(new Set(orders.map((o) => o.channelId)).size).toBe(3);
    expect(orders.some((o) => o.body.serviceLevel === 'EXPRESS')).toBe(true);
    expect(orders.some((o) => o.traits.priority)).toBe(true);
    expect(orders.some((o) => o.traits.outOfStockLines > 0)).toBe(true);
    expect(Math.max(...orders.map((o) => o.body.lines.length))).toBeGreaterThanOrEqual(8);
  });
});

describe('ChannelSimulator', () => {
  it('sends the mix at its rate, gets orders accepted and cancels the flagged ones through the cancel endpoint', async () => {
    const reader = await TopicReader.start(sut.transport, ['orders.commands']);
    const failures: string[] = [];
    const simulator = new ChannelSimulator({
      intakeUrl: url,
      channels: keys,
      ratePerSecond: 40,
      // Half the orders cancelled, quickly, so the test sees several.
      mix: createOrderMix({ seed: 77, network: demoNetwork, runId: 'sim', proportions: { cancellations: 0.5 }, cancelAfterMs: [20, 200] }),
      onError: (message) => failures.push(message),
    });
    try {
      simulator.start();
      await eventually(() => {
        const stats = simulator.stats();
        if (stats.accepted < 30 || stats.cancelsAccepted < 5) throw new Error(`so far ${JSON.stringify(stats)}`);
      });
    } finally {
      await simulator.stop();
    }
    const stats = simulator.stats();
    expect(failures).toEqual([]);
    expect(stats).toMatchObject({ refused: 0, failed: 0, duplicates: 0, inFlight: 0, cancelsPending: 0, cancelsFailed: 0, cancelsRefused: 0 });
    expect(stats.sent).toBe(stats.accepted);
    expect(stats.byStatus).toEqual({ 202: stats.accepted });
    expect(stats.cancelsSent).toBe(stats.cancelsAccepted);

    // The cancellations reached the orchestrator's topic as CancelOrder from the channel that owns the order.
    const cancels = await reader.waitFor('CancelOrder', () => true, stats.cancelsAccepted);
    expect(cancels).toHaveLength(stats.cancelsAccepted);
    expect(cancels.every((c) => ['web', 'marketplace', 'wholesale'].includes(c.payload.requestedBy) && c.payload.reason === 'CUSTOMER_REQUEST')).toBe(true);
    await reader.stop();

    // The simulator sends nothing after stop().
    const stopped = simulator.stats();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(simulator.stats()).toEqual(stopped);
  });

  it('reports refused orders with the status and intake’s problem body, and counts them', async () => {
    const failures: { message: string; failure: SimulatorFailure }[] = [];
    const simulator = new ChannelSimulator({
      intakeUrl: url,
      channels: keys.map((k) => ({ channelId: k.channelId, apiKey: 'syk_0000000000000000.wrong' })),
      ratePerSecond: 50,
      mix: createOrderMix({ seed: 78, network: demoNetwork, runId: 'wrongkey' }),
      onError: (message, failure) => failures.push({ message, failure }),
    });
    try {
      simulator.start();
      await eventually(() => {
        if (simulator.stats().refused < 3) throw new Error(`so far ${JSON.stringify(simulator.stats())}`);
      });
    } finally {
      await simulator.stop();
    }
    const stats = simulator.stats();
    expect(stats.accepted).toBe(0);
    expect(stats.refused).toBe(stats.sent);
    expect(stats.byStatus).toEqual({ 401: stats.sent });
    expect(failures).toHaveLength(stats.refused);
    expect(failures[0]?.failure).toMatchObject({ kind: 'order', status: 401, problem: { errors: [expect.objectContaining({ problem: expect.any(String) })] } });
    expect(failures[0]?.message).toMatch(/^order (WEB|MP|PO)-wrongkey-\d{7} \((web|marketplace|wholesale)\) refused: 401 \{"errors"/);
  });

  it('counts an intake that does not answer as failed, without throwing, and stop() waits for what is in flight', async () => {
    // A server that takes connections and answers 503 late: requests are in flight when stop() is called.
    const server: Server = createServer((_request, response) => {
      setTimeout(() => response.writeHead(503, { 'content-type': 'application/json' }).end('{"errors":[{"path":"","problem":"down"}]}'), 300);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const failures: SimulatorFailure[] = [];
    const simulator = new ChannelSimulator({
      intakeUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      channels: keys,
      ratePerSecond: 20,
      mix: createOrderMix({ seed: 79, network: demoNetwork }),
      onError: (_message, failure) => failures.push(failure),
    });
    try {
      simulator.start();
      await eventually(() => {
        if (simulator.stats().inFlight < 2) throw new Error('nothing in flight yet');
      });
      await simulator.stop();
      const stats = simulator.stats();
      expect(stats.inFlight).toBe(0);
      expect(stats.sent).toBeGreaterThanOrEqual(2);
      expect(stats.failed).toBe(stats.sent);
      expect(failures.every((f) => f.status === 503 && f.kind === 'order')).toBe(true);
    } finally {
      await simulator.stop();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('names a bad rate, URL or empty channel list', () => {
    const mix = createOrderMix({ seed: 1, network: demoNetwork });
    expect(() => new ChannelSimulator({ intakeUrl: url, channels: keys, ratePerSecond: 0, mix })).toThrow('ChannelSimulator: ratePerSecond must be a number > 0, got 0');
    expect(() => new ChannelSimulator({ intakeUrl: 'intake', channels: keys, ratePerSecond: 1, mix })).toThrow('ChannelSimulator: intakeUrl "intake" is not a URL');
    expect(() => new ChannelSimulator({ intakeUrl: url, channels: [], ratePerSecond: 1, mix })).toThrow('ChannelSimulator: give at least one channel with its API key');
  });
});
