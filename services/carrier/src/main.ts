import { runServiceMain } from '@switchyard/service-kit';
import { carrierService } from './carrier.definition';

runServiceMain(carrierService());
