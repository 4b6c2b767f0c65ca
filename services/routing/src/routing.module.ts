import { Module } from '@nestjs/common';
import { OperatorAuthGuard } from './operator-auth';
import { Routing } from './routing';
import { RoutingHandlers } from './routing.handlers';
import { RoutingHttp } from './routing.http';

@Module({ controllers: [RoutingHandlers, RoutingHttp], providers: [Routing, OperatorAuthGuard] })
export class RoutingModule {}
