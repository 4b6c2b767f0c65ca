import { runServiceMain } from '@switchyard/service-kit';
import { inventoryService } from './inventory.definition';

runServiceMain(inventoryService);
