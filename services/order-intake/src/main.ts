import { runServiceMain } from '@switchyard/service-kit';
import { orderIntakeService } from './order-intake.definition';

runServiceMain(orderIntakeService);
