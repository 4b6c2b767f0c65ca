import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hold } from './hold';

/** One request as the channel's endpoint got it. */
export interface ReceivedWebhook {
  readonly status: number;
  readonly signature: string | undefined;
  readonly deliveryId: string | undefined;
  readonly rawBody: string;
  readonly body: { orderId: string; status: string; triggeredBy: string; deliveryId: string; content: Record<string, unknown> };
}

/** How a channel verifies a Switchyard webhook: recompute HMAC-SHA256 of "<t>.<raw body>" with its secret, compare in constant time. */
export function verifySignature(secret: string, header: string | undefined, rawBody: string): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!match) return false;
  const expected = createHmac('sha256', secret).update(`${match[1]}.${rawBody}`).digest();
  return timingSafeEqual(expected, Buffer.from(match[2] as string, 'hex'));
}

/**
 * A real HTTP endpoint for channel webhooks; `failing` answers 503 (down), `failNext` that many times and then 200;
 * `holdNext()` keeps the answer to the next request back until the test releases it (a hanging endpoint).
 */
export class WebhookReceiver {
  readonly requests: ReceivedWebhook[] = [];
  failing = false;
  failNext = 0;
  private holds: Hold[] = [];

  private constructor(private readonly server: Server) {}

  static async start(): Promise<WebhookReceiver> {
    const receiver: WebhookReceiver = new WebhookReceiver(
      createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', async () => {
          await receiver.holds.shift()?.keep();
          const failed = receiver.failing || receiver.failNext > 0;
          if (receiver.failNext > 0) receiver.failNext -= 1;
          const status = failed ? 503 : 204;
          const rawBody = Buffer.concat(chunks).toString('utf8');
          receiver.requests.push({
            status,
            signature: request.headers['switchyard-signature'] as string | undefined,
            deliveryId: request.headers['switchyard-delivery'] as string | undefined,
            rawBody,
            body: JSON.parse(rawBody) as ReceivedWebhook['body'],
          });
          response.writeHead(status).end();
        });
      }),
    );
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', () => resolve()));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/switchyard`;
  }

  /** The next request hangs, unanswered, until the returned hold is released. */
  holdNext(): Hold {
    const hold = new Hold();
    this.holds.push(hold);
    return hold;
  }

  /** Requests about one order that the endpoint accepted. */
  accepted(orderId: string): ReceivedWebhook[] {
    return this.requests.filter((r) => r.status === 204 && r.body.orderId === orderId);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
