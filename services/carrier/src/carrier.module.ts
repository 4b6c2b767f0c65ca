import { Controller, Inject, Module } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EventOf } from '@switchyard/contracts';
import { SwitchyardContext } from '@switchyard/messaging';
import { deadlineLoop } from './deadline-loop';
import { Selections } from './selections';

/** SelectCarrier opens a selection; each CarrierQuoted fills it in. */
@Controller()
class CarrierHandlers {
  constructor(@Inject(Selections) private readonly selections: Selections) {}

  @EventPattern('SelectCarrier')
  async select(@Payload() event: EventOf<'SelectCarrier'>, @Ctx() ctx: SwitchyardContext): Promise<void> {
    await this.selections.open(ctx.entityManager, event.payload, (events) => ctx.outbox.add(events));
  }

  @EventPattern('CarrierQuoted')
  async quoted(@Payload() event: EventOf<'CarrierQuoted'>, @Ctx() ctx: SwitchyardContext): Promise<void> {
    await this.selections.reply(ctx.entityManager, event.payload, (events) => ctx.outbox.add(events));
  }
}

@Module({ controllers: [CarrierHandlers], providers: [Selections, deadlineLoop] })
export class CarrierModule {}
