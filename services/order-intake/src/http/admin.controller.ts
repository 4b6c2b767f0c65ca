import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, UseGuards } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Catalogue, SKU } from '../catalogue/catalogue';
import { ChannelRegistry, ChannelRegistryError } from '../channels/channel-registry';
import { BACK_ORDER_POLICIES } from '../intake/read-order';
import { OperatorAuthGuard } from './auth';
import { bodyFields, problem, problems } from './problems';

const MAX_IMPORT = 10_000;

/** Operator endpoints (OPERATOR_API_KEY): channels and their keys, and the SKU catalogue. The same code as the CLI. */
@Controller('v1/admin')
@UseGuards(OperatorAuthGuard)
export class AdminController {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(ChannelRegistry) private readonly channels: ChannelRegistry,
    @Inject(Catalogue) private readonly catalogue: Catalogue,
  ) {}

  @Get('channels')
  list() {
    return this.channels.list(this.dataSource.manager);
  }

  /** Registers a channel and returns its first API key: shown this once, only its hash is kept. */
  @Post('channels')
  @HttpCode(201)
  async createChannel(@Body() body: unknown) {
    const record = bodyFields(body);
    const errors = [];
    const market = record['defaultMarket'] ?? null;
    if (market !== null && (typeof market !== 'string' || !/^[A-Za-z0-9_-]{1,32}$/.test(market))) errors.push({ path: 'defaultMarket', problem: 'must be a market code such as DE, or null' });
    const policy = record['defaultBackOrderPolicy'] ?? undefined;
    if (policy !== undefined && !BACK_ORDER_POLICIES.includes(policy as never)) errors.push({ path: 'defaultBackOrderPolicy', problem: `must be one of ${BACK_ORDER_POLICIES.join(', ')}` });
    if (typeof record['channelId'] !== 'string') errors.push({ path: 'channelId', problem: 'is required: the channel id, e.g. web-de' });
    if (errors.length > 0) throw problems(400, errors);
    const created = await this.registryCall(() =>
      this.dataSource.transaction((em) =>
        this.channels.create(em, { channelId: record['channelId'] as string, defaultMarket: market as string | null, defaultBackOrderPolicy: policy as never }),
      ),
    );
    return { ...created.channel, keyId: created.keyId, apiKey: created.apiKey };
  }

  @Post('channels/:channelId/keys')
  @HttpCode(201)
  issueKey(@Param('channelId') channelId: string) {
    return this.registryCall(() => this.dataSource.transaction((em) => this.channels.issueKey(em, channelId)));
  }

  @Delete('keys/:keyId')
  @HttpCode(204)
  async revokeKey(@Param('keyId') keyId: string): Promise<void> {
    if (!(await this.channels.revokeKey(this.dataSource.manager, keyId))) throw problem(404, 'keyId', `no active key ${JSON.stringify(keyId.slice(0, 100))}`);
  }

  /** Adds SKUs to the catalogue (besides those inventory reports stock for). */
  @Post('catalogue')
  async importSkus(@Body() body: unknown) {
    const skus = bodyFields(body)['skus'];
    if (!Array.isArray(skus) || skus.length === 0 || skus.length > MAX_IMPORT) throw problem(400, 'skus', `must be a list of 1 to ${MAX_IMPORT} SKUs`);
    const errors = skus.flatMap((sku, index) => (typeof sku === 'string' && SKU.test(sku) ? [] : [{ path: `skus[${index}]`, problem: 'must be a SKU: 1 to 100 characters without spaces' }]));
    if (errors.length > 0) throw problems(400, errors);
    const added = await retryOnDeadlock(() => this.dataSource.transaction((em) => this.catalogue.add(em, skus as string[], 'operator import')));
    return { added, alreadyKnown: new Set(skus).size - added };
  }

  private async registryCall<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof ChannelRegistryError) throw problem({ invalid: 400, exists: 409, missing: 404 }[error.kind], 'channelId', error.message);
      throw error;
    }
  }
}

/**
 * Runs a transaction again (up to 3 times) when PostgreSQL broke a deadlock by aborting it. An import inserts many
 * SKUs in one transaction while intake's consumer inserts the SKUs inventory reports in its own; the two can wait
 * for each other's rows, and one of them is then aborted with 40P01 (the platform's start met it).
 */
async function retryOnDeadlock<T>(work: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const code = (error as { code?: string; driverError?: { code?: string } }).driverError?.code ?? (error as { code?: string }).code;
      if (code !== '40P01' || attempt >= attempts) throw error;
    }
  }
}
