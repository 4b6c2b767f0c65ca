import { runServiceMain } from '@switchyard/service-kit';
import { warehouseSimulatorService } from './warehouse-simulator.definition';

runServiceMain(warehouseSimulatorService());
