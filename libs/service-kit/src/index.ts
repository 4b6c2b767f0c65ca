export { ConfigurationError, describeConfig, loadConfig, settings, type ConfigOf, type Setting, type SettingsSchema } from './config';
export { ServiceLogger, type ServiceLoggerOptions } from './service-logger';
export {
  MESSAGING_TRANSPORT,
  SERVICE_CONFIG,
  SERVICE_SETTINGS,
  openServiceDatabase,
  serviceMigrations,
  serviceSettings,
  startService,
  type HealthReport,
  type OpenServiceDatabaseOptions,
  type RunningService,
  type ServiceConfig,
  type ServiceDefinition,
  type StartServiceOptions,
} from './start-service';
export { runServiceMain } from './main';
export { DueWorkLoop, dueWorkLoopProvider, type DueBatchWork, type DueWorkParts, type DueItemWork, type DueWorkLogger, type DueWorkLoopOptions, type DueWorkTransaction } from './due-work-loop';
export { operatorKeyGuard, type OperatorKeyGuardOptions } from './operator-key';
export { startServiceProcess, type ServiceProcess, type StartServiceProcessOptions } from './service-process';
