import type { ServiceDefinition } from '@switchyard/service-kit';
import { carrierService } from '@switchyard/services/carrier';
import { carrierTablerateService } from '@switchyard/services/carrier-tablerate';
import { inventoryService } from '@switchyard/services/inventory';
import { notificationService } from '@switchyard/services/notification';
import { orchestratorService } from '@switchyard/services/orchestrator';
import { orderIntakeService } from '@switchyard/services/order-intake';
import { routingService } from '@switchyard/services/routing';
import { warehouseSimulatorService } from '@switchyard/services/warehouse-simulator';

/** Every service of the platform, its definition made from the environment it will start with. */
export function platformServices(env: NodeJS.ProcessEnv): ServiceDefinition[] {
  return [
    orderIntakeService,
    orchestratorService,
    inventoryService,
    routingService,
    carrierService(env),
    carrierTablerateService(env),
    warehouseSimulatorService(env),
    notificationService,
  ] as ServiceDefinition[];
}
