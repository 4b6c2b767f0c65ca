import type { ServiceDefinition } from '@switchyard/service-kit';
import { CreateSimulator1795300000000 } from './migrations/1795300000000-create-simulator';
import { WarehouseSimulatorModule } from './warehouse-simulator.module';
import { instructionTopic, simulatorSettings } from './warehouse-simulator.settings';

/**
 * The warehouse simulator. It reads one instruction topic per simulated location, so the definition is made
 * from the environment it starts with (an invalid WAREHOUSE_LOCATIONS is reported by the start's validation).
 */
export function warehouseSimulatorService(env: NodeJS.ProcessEnv = process.env): ServiceDefinition<typeof simulatorSettings> {
  const parsed = simulatorSettings.WAREHOUSE_LOCATIONS.parse(env['WAREHOUSE_LOCATIONS'], 'WAREHOUSE_LOCATIONS');
  const locations = 'value' in parsed ? parsed.value : [];
  return {
    name: 'warehouse-simulator',
    schema: 'warehouse_simulator',
    module: WarehouseSimulatorModule,
    consumes: locations.map(instructionTopic),
    publishes: ['fulfilment.events', 'inventory.events'],
    migrations: [CreateSimulator1795300000000],
    settings: simulatorSettings,
  };
}
