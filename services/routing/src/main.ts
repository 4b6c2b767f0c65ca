import { runServiceMain } from '@switchyard/service-kit';
import { routingService } from './routing.definition';

runServiceMain(routingService);
