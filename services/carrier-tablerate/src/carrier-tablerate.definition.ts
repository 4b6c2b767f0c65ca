import type { ServiceDefinition } from '@switchyard/service-kit';
import { CarrierTablerateModule } from './carrier-tablerate.module';
import { requestTopic, tablerateSettings } from './carrier-tablerate.settings';

/**
 * The table-rate carrier adapter. Its request topic follows CARRIER_ID, so the definition is made from the
 * environment the service starts with (an invalid CARRIER_ID is reported by the start's validation).
 */
export function carrierTablerateService(env: NodeJS.ProcessEnv = process.env): ServiceDefinition<typeof tablerateSettings> {
  const parsed = tablerateSettings.CARRIER_ID.parse(env['CARRIER_ID'], 'CARRIER_ID');
  const carrierId = 'value' in parsed ? parsed.value : 'tablerate';
  return {
    // One consumer group per carrier id: adapters of different carriers never share partitions.
    name: `carrier-${carrierId}`,
    // A schema per carrier id too: two adapters in one database (the embedded platform runs three) never share an inbox or outbox.
    schema: `carrier_${carrierId.replace(/-/g, '_')}`,
    module: CarrierTablerateModule,
    consumes: [requestTopic(carrierId)],
    publishes: ['carrier.adapter.replies'],
    settings: tablerateSettings,
  };
}
