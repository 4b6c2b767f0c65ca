import { Controller, Inject, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EventOf } from '@switchyard/contracts';
import { SwitchyardContext } from '@switchyard/messaging';
import { ServiceLogger } from '@switchyard/service-kit';
import { DataSource } from 'typeorm';
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

/** Before the deadline loop's first tick and before the consumers start: see Selections.extendDeadlinesAfterStart. */
@Injectable()
class DeadlineGrace implements OnModuleInit {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(Selections) private readonly selections: Selections,
    @Inject(ServiceLogger) private readonly logger: ServiceLogger,
  ) {}

  async onModuleInit(): Promise<void> {
    const extended = await this.selections.extendDeadlinesAfterStart(this.dataSource.manager, new Date());
    if (extended > 0) this.logger.info('open carrier selections get one quote timeout from this start', { selections: extended });
  }
}

@Module({ controllers: [CarrierHandlers], providers: [Selections, DeadlineGrace, deadlineLoop] })
export class CarrierModule {}
