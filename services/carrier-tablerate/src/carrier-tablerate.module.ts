import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Controller, Inject, Module } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EventOf, keyOf, topicOf } from '@switchyard/contracts';
import { FatalError, SwitchyardContext } from '@switchyard/messaging';
import { parseRateTable, rateParcels, type RateTable } from '@switchyard/rating';
import { ConfigurationError, SERVICE_SETTINGS, ServiceLogger } from '@switchyard/service-kit';
import type { TablerateSettings } from './carrier-tablerate.settings';

const RATE_TABLE = Symbol('RATE_TABLE');

/** Reads and validates the rate table once at start; a bad file stops the start, naming the file and every problem. */
function loadRateTable(settings: TablerateSettings): RateTable {
  const file = settings.RATE_TABLE_FILE;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigurationError('service carrier-tablerate', [`RATE_TABLE_FILE ${file} cannot be read: ${(error as Error).message}`]);
  }
  try {
    return parseRateTable(text, file);
  } catch (error) {
    throw new ConfigurationError('service carrier-tablerate', [`RATE_TABLE_FILE: ${(error as Error).message}`]);
  }
}

/** Answers each CarrierQuoteRequested with a CarrierQuoted from the table: the rating itself is @switchyard/rating. */
@Controller()
class QuoteRequestsHandler {
  constructor(
    @Inject(RATE_TABLE) private readonly table: RateTable,
    @Inject(SERVICE_SETTINGS) private readonly settings: TablerateSettings,
    @Inject(ServiceLogger) private readonly logger: ServiceLogger,
  ) {}

  @EventPattern('CarrierQuoteRequested')
  async quote(@Payload() event: EventOf<'CarrierQuoteRequested'>, @Ctx() ctx: SwitchyardContext): Promise<void> {
    const request = event.payload;
    if (request.carrierId !== this.settings.CARRIER_ID) {
      throw new FatalError(`quote request ${request.requestId} is addressed to carrier ${request.carrierId}, but this adapter answers for ${this.settings.CARRIER_ID}`);
    }
    if (this.settings.SIMULATE_DOWN) {
      this.logger.info('simulating a carrier that is down: request left unanswered', { requestId: request.requestId, orderId: request.orderId });
      return;
    }
    const outcome = rateParcels(this.table, {
      carrierId: request.carrierId,
      destinationCountry: request.destination.countryCode,
      serviceLevel: request.serviceLevel,
      requestedAt: request.metadata.occurredAt,
      parcels: request.parcels,
    });
    if (outcome.kind === 'quoted' && outcome.unquoted.length > 0) {
      this.logger.info('some parcels got no quote', { requestId: request.requestId, unquoted: outcome.unquoted.map((u) => `${u.shipmentId}: ${u.detail}`).join('; ') });
    }
    const reply: EventOf<'CarrierQuoted'> = {
      type: 'CarrierQuoted',
      payload: {
        metadata: { eventId: randomUUID(), occurredAt: Date.now(), correlationId: request.orderId, causationId: request.metadata.eventId },
        requestId: request.requestId,
        carrierId: request.carrierId,
        orderId: request.orderId,
        quotes: outcome.kind === 'quoted' ? [...outcome.quotes] : [],
        unavailable: outcome.kind === 'unavailable' ? outcome.reason : null,
      },
    };
    await ctx.outbox.add([{ topic: topicOf(reply), key: keyOf(reply), event: reply }]);
  }
}

@Module({
  controllers: [QuoteRequestsHandler],
  providers: [{ provide: RATE_TABLE, inject: [SERVICE_SETTINGS], useFactory: loadRateTable }],
})
export class CarrierTablerateModule {}
