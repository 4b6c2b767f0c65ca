import { BadRequestException, Body, Controller, Get, Inject, Param, Put, Query, UseGuards } from '@nestjs/common';
import { operatorKeyGuard } from '@switchyard/service-kit';
import { DataSource } from 'typeorm';
import { Deliveries, type DeliveryView } from './deliveries';

/** `Authorization: Bearer <OPERATOR_KEY>`, compared in constant time; without OPERATOR_KEY the endpoints are off. */
const OperatorKeyGuard = operatorKeyGuard('OPERATOR_KEY', 'operations endpoints are off: start the notification service with OPERATOR_KEY set');

/** The delivery log for the operations team: what was sent, what is waiting, what FAILED and why. */
@Controller('v1/deliveries')
@UseGuards(OperatorKeyGuard)
export class OperationsController {
  constructor(
    @Inject(Deliveries) private readonly deliveries: Deliveries,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {}

  @Get()
  async list(@Query('orderId') orderId: string | undefined): Promise<{ deliveries: DeliveryView[] }> {
    if (!orderId) throw new BadRequestException('give the order: GET /v1/deliveries?orderId=<orderId>');
    return { deliveries: await this.deliveries.ofOrder(this.dataSource.manager, orderId) };
  }
}

/** Registers (or replaces) a channel's webhook endpoint and signing secret. The secret is never shown again. */
@Controller('v1/channels')
@UseGuards(OperatorKeyGuard)
export class ChannelWebhooksController {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  @Put(':channel/webhook')
  async register(@Param('channel') channel: string, @Body() body: unknown): Promise<{ channel: string; url: string }> {
    const problems: string[] = [];
    if (!/^[A-Za-z0-9_-]{1,100}$/.test(channel)) problems.push('channel: 1-100 letters, digits, "_" or "-"');
    const { url, secret } = (typeof body === 'object' && body !== null ? body : {}) as { url?: unknown; secret?: unknown };
    if (typeof url !== 'string' || !isHttpUrl(url)) problems.push('url: an http:// or https:// URL');
    if (typeof secret !== 'string' || !/^\S{32,512}$/.test(secret)) problems.push('secret: 32-512 characters without spaces (e.g. openssl rand -hex 32)');
    if (problems.length > 0) throw new BadRequestException({ errors: problems });
    await this.dataSource.query(
      `INSERT INTO notification.channel_webhooks (channel, url, secret) VALUES ($1, $2, $3)
       ON CONFLICT (channel) DO UPDATE SET url = EXCLUDED.url, secret = EXCLUDED.secret, updated_at = now()`,
      [channel, url, secret],
    );
    return { channel, url: url as string };
  }
}

function isHttpUrl(raw: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(raw).protocol);
  } catch {
    return false;
  }
}
