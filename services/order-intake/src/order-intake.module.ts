import { Module } from '@nestjs/common';
import { SERVICE_SETTINGS } from '@switchyard/service-kit';
import { Catalogue } from './catalogue/catalogue';
import { ChannelRegistry } from './channels/channel-registry';
import { AdminController } from './http/admin.controller';
import { ChannelAuthGuard, OperatorAuthGuard } from './http/auth';
import { OpenApiController } from './http/openapi.controller';
import { OrdersController } from './http/orders.controller';
import { OrderIntake } from './intake/order-intake';
import { OrderIntakeEvents } from './order-intake.events';
import type { OrderIntakeSettings } from './order-intake.settings';
import { OrderProjection } from './projection/order-projection';

@Module({
  controllers: [OrdersController, AdminController, OpenApiController, OrderIntakeEvents],
  providers: [
    { provide: ChannelRegistry, useValue: new ChannelRegistry() },
    { provide: Catalogue, useValue: new Catalogue() },
    { provide: OrderProjection, useValue: new OrderProjection() },
    {
      provide: OrderIntake,
      inject: [ChannelRegistry, Catalogue, OrderProjection, SERVICE_SETTINGS],
      useFactory: (channels: ChannelRegistry, catalogue: Catalogue, projection: OrderProjection, settings: OrderIntakeSettings) =>
        new OrderIntake(channels, catalogue, projection, { maxLines: settings.MAX_ORDER_LINES, serviceableCountries: settings.SERVICEABLE_COUNTRIES }),
    },
    ChannelAuthGuard,
    OperatorAuthGuard,
  ],
})
export class OrderIntakeModule {}
