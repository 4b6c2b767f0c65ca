import { runServiceMain } from '@switchyard/service-kit';
import { notificationService } from './notification.definition';

runServiceMain(notificationService);
