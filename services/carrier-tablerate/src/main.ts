import { runServiceMain } from '@switchyard/service-kit';
import { carrierTablerateService } from './carrier-tablerate.definition';

runServiceMain(carrierTablerateService());
