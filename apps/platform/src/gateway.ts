import { createServer, IncomingMessage, request as httpRequest, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GatewayRoutes {
  /** Service name → its own base URL. */
  readonly services: Readonly<Record<string, string>>;
  /** The service that answers the public API (`/v1/orders`, `/v1/admin`, `/openapi.json`). */
  readonly front: string;
}

export interface Gateway {
  readonly url: string;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/** Health of every service, each with a deadline: 200 when all answer ok, 503 naming those that do not. */
async function platformHealth(services: Readonly<Record<string, string>>, timeoutMs: number) {
  const entries = await Promise.all(
    Object.entries(services).map(async ([name, url]) => {
      try {
        const answer = await fetch(`${url}/health`, { signal: AbortSignal.timeout(timeoutMs) });
        const body = (await answer.json()) as { status?: string; checks?: Record<string, string> };
        return [name, answer.ok ? 'ok' : `${body.status ?? answer.status}: ${JSON.stringify(body.checks ?? {})}`] as const;
      } catch (error) {
        return [name, `no answer: ${(error as Error).message}`] as const;
      }
    }),
  );
  const checks = Object.fromEntries(entries);
  const ok = entries.every(([, state]) => state === 'ok');
  return { status: ok ? 'ok' : 'unavailable', service: 'switchyard-platform', checks };
}

/**
 * The platform's one front door. `/v1/...` and `/openapi.json` go to order intake (the channels' API),
 * `/<service>/...` to that service's own API with the prefix taken off, `/health` asks every service, and
 * `/` lists where things are. Requests and answers stream through unchanged; each service keeps its own
 * authentication and body limits.
 */
export async function startGateway(routes: GatewayRoutes, options: { host: string; port: number; healthTimeoutMs?: number }): Promise<Gateway> {
  const frontUrl = routes.services[routes.front];
  if (!frontUrl) throw new Error(`the gateway's front service "${routes.front}" is not among the services`);

  const forward = (incoming: IncomingMessage, response: ServerResponse, target: string, pathAndQuery: string): void => {
    const headers = Object.fromEntries(Object.entries(incoming.headers).filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase())));
    const upstream = httpRequest(new URL(pathAndQuery, target), { method: incoming.method, headers }, (answer) => {
      const answerHeaders = Object.fromEntries(Object.entries(answer.headers).filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase())));
      response.writeHead(answer.statusCode ?? 502, answerHeaders);
      answer.pipe(response);
    });
    upstream.on('error', (error) => {
      if (!response.headersSent) sendJson(response, 502, { error: 'Bad Gateway', message: `the service behind ${pathAndQuery} did not answer: ${error.message}` });
      else response.destroy(error);
    });
    incoming.pipe(upstream);
  };

  const server: Server = createServer((incoming, response) => {
    const url = new URL(incoming.url ?? '/', 'http://gateway');
    const [, first = ''] = url.pathname.split('/');
    if (url.pathname === '/health') {
      void platformHealth(routes.services, options.healthTimeoutMs ?? 2_000).then((report) => sendJson(response, report.status === 'ok' ? 200 : 503, report));
      return;
    }
    if (url.pathname === '/' || url.pathname === '') {
      sendJson(response, 200, {
        service: 'switchyard-platform',
        api: '/v1/orders',
        openapi: '/openapi.json',
        health: '/health',
        services: Object.fromEntries(Object.keys(routes.services).map((name) => [name, `/${name}/`])),
      });
      return;
    }
    if (first === 'v1' || url.pathname === '/openapi.json') {
      forward(incoming, response, frontUrl, `${url.pathname}${url.search}`);
      return;
    }
    const service = routes.services[first];
    if (service) {
      forward(incoming, response, service, `${url.pathname.slice(first.length + 1) || '/'}${url.search}`);
      return;
    }
    sendJson(response, 404, { error: 'Not Found', message: `nothing at ${url.pathname}: the API is under /v1, each service's own under /<service>/ (${Object.keys(routes.services).join(', ')})` });
  });
  // Keep-alive connections from clients would hold close() open.
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`port ${options.port} on ${options.host} is in use; pick another with --port (0 picks a free one)`) : error),
    );
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
