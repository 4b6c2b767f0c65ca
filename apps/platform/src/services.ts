import { createHash } from 'node:crypto';
import type { ServiceDefinition } from '@switchyard/service-kit';
import { carrierService } from '@switchyard/services/carrier';
import { carrierTablerateService } from '@switchyard/services/carrier-tablerate';
import { inventoryService } from '@switchyard/services/inventory';
import { notificationService } from '@switchyard/services/notification';
import { orchestratorService } from '@switchyard/services/orchestrator';
import { orderIntakeService } from '@switchyard/services/order-intake';
import { routingService } from '@switchyard/services/routing';
import { warehouseSimulatorService } from '@switchyard/services/warehouse-simulator';
import { demoNetwork, demoServiceEnv, writeDemoFiles } from './demo/network';

/** One service instance to run: its folder under services/, its definition, and its own environment. */
export interface ServicePlan {
  readonly folder: string;
  readonly definition: ServiceDefinition;
  readonly env: NodeJS.ProcessEnv;
}

/** The services of the platform with the demo network's settings, one carrier adapter per demo carrier. */
export function servicePlans(common: NodeJS.ProcessEnv, demoDir: string, options: { readonly dispatchDelayMs?: number } = {}): ServicePlan[] {
  const files = writeDemoFiles(demoDir);
  const demo = demoServiceEnv(files, demoNetwork, { dispatchDelayMs: options.dispatchDelayMs });
  const own = (env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ ...common, ...env });
  return [
    { folder: 'order-intake', definition: orderIntakeService as ServiceDefinition, env: own() },
    { folder: 'orchestrator', definition: orchestratorService as ServiceDefinition, env: own() },
    { folder: 'inventory', definition: inventoryService as ServiceDefinition, env: own(demo.inventory) },
    { folder: 'routing', definition: routingService as ServiceDefinition, env: own(demo.routing) },
    { folder: 'carrier', definition: carrierService(own(demo.carrier)) as ServiceDefinition, env: own(demo.carrier) },
    ...demo.carrierAdapters.map((adapter) => {
      const env = own({ ...adapter });
      return { folder: 'carrier-tablerate', definition: carrierTablerateService(env) as ServiceDefinition, env };
    }),
    {
      folder: 'warehouse-simulator',
      definition: warehouseSimulatorService(own(demo['warehouse-simulator'])) as ServiceDefinition,
      env: own(demo['warehouse-simulator']),
    },
    { folder: 'notification', definition: notificationService as ServiceDefinition, env: own() },
  ];
}

/** The one operator key as each service wants it (the orchestrator takes its SHA-256 with a name and role). */
export function operatorKeyEnv(operatorKey: string): NodeJS.ProcessEnv {
  return {
    OPERATOR_API_KEY: operatorKey,
    OPERATOR_KEY: operatorKey,
    ORCHESTRATOR_OPERATOR_KEYS: `platform-operator:operator:${createHash('sha256').update(operatorKey).digest('hex')}`,
  };
}
