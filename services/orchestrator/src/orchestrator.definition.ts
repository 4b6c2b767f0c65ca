import { ServiceDefinition } from '@switchyard/service-kit';
import { CreateOrderStore1795300000000 } from './migrations/1795300000000-create-order-store';
import { CreateParkedCancels1795400000000 } from './migrations/1795400000000-create-parked-cancels';
import { OrchestratorModule } from './orchestrator.module';
import { CONSUMES, CREATED_ON_FIRST_USE, PUBLISHES } from './orchestrator.topics';
import { orchestratorSettings } from './orchestrator.settings';

export const orchestratorService: ServiceDefinition<typeof orchestratorSettings> = {
  name: 'orchestrator',
  schema: 'orchestrator',
  module: OrchestratorModule,
  consumes: CONSUMES,
  publishes: PUBLISHES,
  createsTopicsByPrefix: CREATED_ON_FIRST_USE,
  // Every event type on these topics has a handler, some deliberately doing nothing: a new type is dead-lettered until someone decides.
  unhandledEvents: 'dead-letter',
  migrations: [CreateOrderStore1795300000000, CreateParkedCancels1795400000000],
  settings: orchestratorSettings,
};
