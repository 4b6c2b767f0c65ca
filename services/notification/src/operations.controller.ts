import { BadRequestException, Body, Controller, Delete, Get, HttpCode, Inject, NotFoundException, ConflictException, Param, Post, Put, Query, UseGuards } from '@nestjs/common';
import { operatorKeyGuard, ServiceLogger } from '@switchyard/service-kit';
import { DataSource } from 'typeorm';
import { Contacts, optOutCategories, type ErasureResult, type OptOutCategory, type Preferences } from './contacts';
import { Deliveries, type DeliveryPage, type DeliveryView } from './deliveries';

/** `Authorization: Bearer <OPERATOR_KEY>`, compared in constant time; without OPERATOR_KEY the endpoints are off. */
const OperatorKeyGuard = operatorKeyGuard('OPERATOR_KEY', 'operations endpoints are off: start the notification service with OPERATOR_KEY set');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CHANNEL = /^[A-Za-z0-9_-]{1,100}$/;
const CHANNEL_RULE = '1-100 letters, digits, "_" or "-"';
const LOCALE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
const CONTACT_REFERENCE_RULE = "contactReference: the channel's contact reference, 1-200 characters";

const objectOf = (body: unknown): Record<string, unknown> => (typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {});
const isText = (value: unknown, max = 200): value is string => typeof value === 'string' && value.length > 0 && value.length <= max;

/** The delivery log for the operations team: what was sent, what is waiting, what FAILED and why; redelivery. */
@Controller('v1/deliveries')
@UseGuards(OperatorKeyGuard)
export class OperationsController {
  constructor(
    @Inject(Deliveries) private readonly deliveries: Deliveries,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {}

  @Get()
  async list(
    @Query('orderId') orderId: string | undefined,
    @Query('state') state: string | undefined,
    @Query('limit') limit: string | undefined,
    @Query('after') after: string | undefined,
  ): Promise<{ deliveries: DeliveryView[] } | DeliveryPage> {
    if (orderId) return { deliveries: await this.deliveries.ofOrder(this.dataSource.manager, orderId) };
    if (state !== 'FAILED') throw new BadRequestException('give the order (GET /v1/deliveries?orderId=<orderId>) or ask for the failed ones (GET /v1/deliveries?state=FAILED[&limit=1..500][&after=<next>])');
    const problems: string[] = [];
    const size = limit === undefined ? 100 : Number(limit);
    if (!Number.isInteger(size) || size < 1 || size > 500) problems.push('limit: a whole number from 1 to 500');
    if (after !== undefined && !/^\d{1,18}$/.test(after)) problems.push('after: the "next" value of the previous page');
    if (problems.length > 0) throw new BadRequestException({ errors: problems });
    return this.deliveries.failed(this.dataSource.manager, size, after);
  }

  /** A FAILED delivery back to PENDING with its attempts reset; the same delivery id, so receivers de-duplicate. */
  @Post(':deliveryId/redeliver')
  @HttpCode(202)
  async redeliver(@Param('deliveryId') deliveryId: string): Promise<{ deliveryId: string; state: 'PENDING' }> {
    if (!UUID.test(deliveryId)) throw new BadRequestException('deliveryId: the delivery id (a UUID) from the delivery log');
    const outcome = await this.dataSource.transaction((em) => this.deliveries.redeliver(em, deliveryId, new Date()));
    if (outcome === 'NOT_FOUND') throw new NotFoundException(`no delivery ${deliveryId}`);
    if (outcome === 'NOT_FAILED') throw new ConflictException(`delivery ${deliveryId} is not FAILED; only a FAILED delivery can be redelivered`);
    if (outcome === 'ERASED') throw new ConflictException(`delivery ${deliveryId} was stopped because the customer's contact data was erased; it cannot be sent`);
    return { deliveryId, state: 'PENDING' };
  }
}

/** Channels' webhook endpoints and signing secrets. A secret is never shown again. */
@Controller('v1/channels')
@UseGuards(OperatorKeyGuard)
export class ChannelWebhooksController {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  @Get()
  async list(): Promise<{ webhooks: { channel: string; url: string; updatedAt: string }[] }> {
    const rows: { channel: string; url: string; updated_at: Date }[] = await this.dataSource.query(`SELECT channel, url, updated_at FROM notification.channel_webhooks ORDER BY channel`);
    return { webhooks: rows.map((r) => ({ channel: r.channel, url: r.url, updatedAt: r.updated_at.toISOString() })) };
  }

  @Put(':channel/webhook')
  async register(@Param('channel') channel: string, @Body() body: unknown): Promise<{ channel: string; url: string }> {
    const problems: string[] = [];
    if (!CHANNEL.test(channel)) problems.push(`channel: ${CHANNEL_RULE}`);
    const { url, secret } = objectOf(body);
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

  /** Stops the channel's webhooks; queued ones FAIL at their next try ("no webhook any more"), visible in the FAILED list. */
  @Delete(':channel/webhook')
  @HttpCode(204)
  async remove(@Param('channel') channel: string): Promise<void> {
    if (!CHANNEL.test(channel)) throw new BadRequestException(`channel: ${CHANNEL_RULE}`);
    const [, deleted]: [unknown[], number] = await this.dataSource.query(`DELETE FROM notification.channel_webhooks WHERE channel = $1`, [channel]);
    if (deleted === 0) throw new NotFoundException(`channel ${channel} has no webhook`);
  }
}

/** A customer's email opt-outs and language, per channel and contact reference (personal data: only here, erasable). */
@Controller('v1/preferences')
@UseGuards(OperatorKeyGuard)
export class PreferencesController {
  constructor(
    @Inject(Contacts) private readonly contacts: Contacts,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {}

  @Put()
  async set(@Body() body: unknown): Promise<Preferences> {
    const { channel, contactReference, emailOptOut, locale } = objectOf(body);
    const problems: string[] = [];
    if (typeof channel !== 'string' || !CHANNEL.test(channel)) problems.push(`channel: ${CHANNEL_RULE}`);
    if (!isText(contactReference)) problems.push(CONTACT_REFERENCE_RULE);
    if (!Array.isArray(emailOptOut) || !emailOptOut.every((c) => optOutCategories.includes(c as OptOutCategory))) problems.push(`emailOptOut: a list of ${optOutCategories.join(', ')} (empty: every email)`);
    if (locale !== null && locale !== undefined && !(typeof locale === 'string' && LOCALE.test(locale))) problems.push('locale: a BCP 47 language tag such as de-DE, or null for the order\'s own');
    if (problems.length > 0) throw new BadRequestException({ errors: problems });
    const preferences: Preferences = { channel: channel as string, contactReference: contactReference as string, emailOptOut: [...new Set(emailOptOut as OptOutCategory[])], locale: (locale as string | null | undefined) ?? null };
    await this.contacts.setPreferences(this.dataSource.manager, preferences);
    return preferences;
  }

  @Get()
  async get(@Query('channel') channel: string | undefined, @Query('contactReference') contactReference: string | undefined): Promise<Preferences> {
    if (!channel || !contactReference) throw new BadRequestException('give both: GET /v1/preferences?channel=<channel>&contactReference=<contactReference>');
    const preferences = await this.contacts.preferencesOf(this.dataSource.manager, channel, contactReference);
    if (!preferences) throw new NotFoundException('no preferences stored for this contact');
    return preferences;
  }
}

/** Erasure of a customer's contact data on request. */
@Controller('v1/erasures')
@UseGuards(OperatorKeyGuard)
export class ErasuresController {
  constructor(
    @Inject(Contacts) private readonly contacts: Contacts,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(ServiceLogger) private readonly logger: ServiceLogger,
  ) {}

  @Post()
  @HttpCode(200)
  async erase(@Body() body: unknown): Promise<ErasureResult> {
    const { orderId, channel, contactReference } = objectOf(body);
    const problems: string[] = [];
    if (orderId !== undefined && !isText(orderId)) problems.push('orderId: the Switchyard order id');
    if (channel !== undefined && !(typeof channel === 'string' && CHANNEL.test(channel))) problems.push(`channel: ${CHANNEL_RULE}`);
    if (contactReference !== undefined && !isText(contactReference)) problems.push(CONTACT_REFERENCE_RULE);
    if ((channel === undefined) !== (contactReference === undefined)) problems.push('channel and contactReference: give both, or neither');
    if (orderId === undefined && contactReference === undefined) problems.push('give orderId, or channel and contactReference, or all three');
    if (problems.length > 0) throw new BadRequestException({ errors: problems });
    const request = { orderId: orderId as string | undefined, channel: channel as string | undefined, contactReference: contactReference as string | undefined };
    const result = await this.dataSource.transaction((em) => this.contacts.erase(em, request, new Date()));
    // The orders only: the contact reference identifies a person and stays out of the log.
    this.logger.info('contact data erased on request', { orderIds: result.orders.join(','), preferencesDeleted: result.preferencesDeleted, deliveriesStopped: result.deliveriesStopped });
    return result;
  }
}

function isHttpUrl(raw: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(raw).protocol);
  } catch {
    return false;
  }
}
