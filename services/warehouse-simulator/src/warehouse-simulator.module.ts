import { Controller, Inject, Module } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EventOf } from '@switchyard/contracts';
import { SwitchyardContext } from '@switchyard/messaging';
import { ControlController } from './control.controller';
import { dispatchLoop } from './dispatch-loop';
import { StockSeeder } from './stock-seed';
import { outgoing, Warehouse } from './warehouse';

/** What arrives on fulfilment.instructions.<locationId>: instructions and their withdrawals. */
@Controller()
class InstructionHandlers {
  constructor(@Inject(Warehouse) private readonly warehouse: Warehouse) {}

  @EventPattern('FulfilmentInstructed')
  async instructed(@Payload() event: EventOf<'FulfilmentInstructed'>, @Ctx() ctx: SwitchyardContext): Promise<void> {
    await this.warehouse.instruct(ctx.entityManager, event.payload, event.payload.metadata.eventId, (events) => ctx.outbox.add(outgoing(events)));
  }

  @EventPattern('FulfilmentCancellationRequested')
  async cancellationRequested(@Payload() event: EventOf<'FulfilmentCancellationRequested'>, @Ctx() ctx: SwitchyardContext): Promise<void> {
    await this.warehouse.cancel(ctx.entityManager, event.payload, event.payload.metadata.eventId, (events) => ctx.outbox.add(outgoing(events)));
  }
}

@Module({ controllers: [InstructionHandlers, ControlController], providers: [Warehouse, dispatchLoop, StockSeeder] })
export class WarehouseSimulatorModule {}
