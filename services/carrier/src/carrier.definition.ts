import type { ServiceDefinition } from '@switchyard/service-kit';
import { CarrierModule } from './carrier.module';
import { adapterRequestTopic, carrierSettings } from './carrier.settings';
import { CreateSelections1795200000000 } from './migrations/1795200000000-create-selections';

/**
 * The carrier service. It publishes to one request topic per adapter in CARRIERS, so the definition is made
 * from the environment the service starts with (an invalid CARRIERS is reported by the start's validation).
 */
export function carrierService(env: NodeJS.ProcessEnv = process.env): ServiceDefinition<typeof carrierSettings> {
  const parsed = carrierSettings.CARRIERS.parse(env['CARRIERS'], 'CARRIERS');
  const carriers = 'value' in parsed ? parsed.value : [];
  return {
    name: 'carrier',
    schema: 'carrier',
    module: CarrierModule,
    consumes: ['carrier.commands', 'carrier.adapter.replies'],
    publishes: ['carrier.events', ...carriers.map(adapterRequestTopic)],
    migrations: [CreateSelections1795200000000],
    settings: carrierSettings,
  };
}
