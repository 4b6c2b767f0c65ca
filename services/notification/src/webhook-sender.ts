import { createHmac } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_SETTINGS } from '@switchyard/service-kit';
import type { NotificationSettings } from './notification.settings';
import type { MessageContent } from './templates';

/** What a channel's webhook receives: the order's status change, no customer contact data. */
export interface WebhookBody {
  readonly deliveryId: string;
  readonly orderId: string;
  readonly channel: string;
  readonly channelOrderId: string;
  readonly status: string;
  readonly triggeredBy: string;
  readonly content: MessageContent;
}

export const webhookBody = (body: WebhookBody): string => JSON.stringify(body);

export const SIGNATURE_HEADER = 'switchyard-signature';
export const DELIVERY_HEADER = 'switchyard-delivery';

/** `t=<epoch ms>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the channel's secret>`: the timestamp lets receivers refuse replays. */
export function signature(secret: string, timestampMs: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestampMs}.${body}`).digest('hex');
  return `t=${timestampMs},v1=${mac}`;
}

/** Posts signed webhooks to a channel's endpoint; anything but a 2xx answer (or no answer in time) is a failure. */
@Injectable()
export class WebhookSender {
  constructor(@Inject(SERVICE_SETTINGS) private readonly settings: NotificationSettings) {}

  /** Signed when the endpoint has a secret (channel webhooks always do; the operations webhook when OPS_WEBHOOK_SECRET is set). */
  async send(endpoint: { url: string; secret: string | undefined }, body: string, deliveryId: string, now: Date): Promise<void> {
    let response: Response;
    try {
      response = await fetch(endpoint.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(endpoint.secret ? { [SIGNATURE_HEADER]: signature(endpoint.secret, now.getTime(), body) } : {}), [DELIVERY_HEADER]: deliveryId },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.settings.WEBHOOK_TIMEOUT_MS),
      });
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
      throw new Error(`webhook endpoint did not answer (${error instanceof Error ? error.message : String(error)}${cause})`);
    }
    await response.arrayBuffer().catch(() => undefined);
    if (response.status < 200 || response.status > 299) throw new Error(`webhook endpoint answered ${response.status}`);
  }
}
