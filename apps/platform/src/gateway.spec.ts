import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startGateway, type Gateway } from './gateway';

/** A real HTTP server that answers with what it was asked, and its own /health. */
async function echoService(name: string, healthy = true): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      if (request.url === '/health') {
        response.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ status: healthy ? 'ok' : 'unavailable', checks: { database: healthy ? 'ok' : 'down' } }));
        return;
      }
      response.writeHead(201, { 'content-type': 'application/json', 'x-service': name });
      response.end(JSON.stringify({ service: name, method: request.method, url: request.url, auth: request.headers.authorization ?? null, body: Buffer.concat(chunks).toString() }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('gateway', () => {
  const servers: Server[] = [];
  let gateway: Gateway | undefined;

  afterEach(async () => {
    await gateway?.close();
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  });

  async function start(healthyInventory = true) {
    const intake = await echoService('order-intake');
    const inventory = await echoService('inventory', healthyInventory);
    servers.push(intake.server, inventory.server);
    gateway = await startGateway({ services: { 'order-intake': intake.url, inventory: inventory.url }, front: 'order-intake' }, { host: '127.0.0.1', port: 0 });
    return gateway;
  }

  it('sends /v1 and /openapi.json to the front service and /<service>/ to that service, body, query and headers intact', async () => {
    const { url } = await start();
    const order = await fetch(`${url}/v1/orders?x=1`, { method: 'POST', headers: { authorization: 'Bearer k', 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(order.status).toBe(201);
    expect(order.headers.get('x-service')).toBe('order-intake');
    expect(await order.json()).toEqual({ service: 'order-intake', method: 'POST', url: '/v1/orders?x=1', auth: 'Bearer k', body: '{"a":1}' });
    expect(((await (await fetch(`${url}/openapi.json`)).json()) as { service: string }).service).toBe('order-intake');
    const stock = (await (await fetch(`${url}/inventory/v1/stock/SKU-1`)).json()) as { service: string; url: string };
    expect(stock).toMatchObject({ service: 'inventory', url: '/v1/stock/SKU-1' });
  });

  it('answers health for every service: 200 when all are ok, 503 naming the one that is not', async () => {
    const { url } = await start(false);
    const answer = await fetch(`${url}/health`);
    expect(answer.status).toBe(503);
    const report = (await answer.json()) as { status: string; checks: Record<string, string> };
    expect(report.status).toBe('unavailable');
    expect(report.checks['order-intake']).toBe('ok');
    expect(report.checks['inventory']).toContain('down');
  });

  it('names what exists when a path leads nowhere, and 502 when a service does not answer', async () => {
    const { url } = await start();
    const missing = await fetch(`${url}/nowhere`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { message: string }).message).toContain('order-intake, inventory');
    await new Promise((resolve) => servers[1]?.close(resolve));
    servers.splice(1, 1);
    const down = await fetch(`${url}/inventory/v1/stock/SKU-1`);
    expect(down.status).toBe(502);
  });

  it('says which port is taken', async () => {
    const first = await start();
    const port = Number(new URL(first.url).port);
    await expect(startGateway({ services: { a: 'http://127.0.0.1:1' }, front: 'a' }, { host: '127.0.0.1', port })).rejects.toThrow(`port ${port} on 127.0.0.1 is in use`);
  });
});
