import { runServiceMain } from '@switchyard/service-kit';
import { orchestratorService } from './orchestrator.definition';

runServiceMain(orchestratorService);
