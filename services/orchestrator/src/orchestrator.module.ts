import { Module } from '@nestjs/common';
import { SERVICE_SETTINGS, ServiceLogger } from '@switchyard/service-kit';
import { CancelRequests } from './cancel-requests';
import { OperatorGuard } from './ops/operator-auth';
import { OperatorKeys } from './ops/operator-keys';
import { OpsController } from './ops/ops.controller';
import { OrderSagas } from './order-sagas';
import { OrderStore } from './order-store';
import { parkedCancelExpiry } from './parked-cancel-expiry';
import { ParkedCancels } from './parked-cancels';
import { sagaPolicyOf, type OrchestratorSettings } from './orchestrator.settings';
import { SagaHandlers } from './saga.handlers';
import { timerScanner } from './timer-scanner';

@Module({
  controllers: [SagaHandlers, OpsController],
  providers: [
    OperatorGuard,
    { provide: OrderStore, useValue: new OrderStore() },
    {
      provide: OperatorKeys,
      inject: [SERVICE_SETTINGS],
      useFactory: (own: OrchestratorSettings) => new OperatorKeys(own.ORCHESTRATOR_OPERATOR_KEYS),
    },
    {
      provide: OrderSagas,
      inject: [OrderStore, SERVICE_SETTINGS, ServiceLogger],
      useFactory: (store: OrderStore, own: OrchestratorSettings, logger: ServiceLogger) => new OrderSagas(store, sagaPolicyOf(own), logger, own.ORCHESTRATOR_APPEND_ATTEMPTS),
    },
    { provide: ParkedCancels, useValue: new ParkedCancels() },
    {
      provide: CancelRequests,
      inject: [OrderSagas, OrderStore, ParkedCancels, ServiceLogger, SERVICE_SETTINGS],
      useFactory: (sagas: OrderSagas, store: OrderStore, parked: ParkedCancels, logger: ServiceLogger, own: OrchestratorSettings) =>
        new CancelRequests(sagas, store, parked, logger, own.ORCHESTRATOR_PARKED_CANCEL_TTL_MS),
    },
    timerScanner,
    parkedCancelExpiry,
  ],
})
export class OrchestratorModule {}
