import { createHash, timingSafeEqual } from 'node:crypto';
import { BadRequestException, CanActivate, Controller, ExecutionContext, Get, Inject, Injectable, Query, ServiceUnavailableException, UnauthorizedException, UseGuards } from '@nestjs/common';
import { SERVICE_SETTINGS } from '@switchyard/service-kit';
import { DataSource } from 'typeorm';
import { Deliveries, type DeliveryView } from './deliveries';
import type { NotificationSettings } from './notification.settings';

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** `Authorization: Bearer <OPERATOR_KEY>`, compared in constant time; without OPERATOR_KEY the endpoints are off. */
@Injectable()
class OperatorKeyGuard implements CanActivate {
  constructor(@Inject(SERVICE_SETTINGS) private readonly settings: NotificationSettings) {}

  canActivate(context: ExecutionContext): boolean {
    const key = this.settings.OPERATOR_KEY;
    if (key === undefined) throw new ServiceUnavailableException('operations endpoints are off: start the notification service with OPERATOR_KEY set');
    const header = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>().headers['authorization'] ?? '';
    const presented = /^Bearer (\S+)$/.exec(header)?.[1];
    if (presented === undefined || !timingSafeEqual(digest(presented), digest(key))) {
      throw new UnauthorizedException('send the operator key as "Authorization: Bearer <OPERATOR_KEY>"');
    }
    return true;
  }
}

/** The delivery log for the operations team: what was sent, what is waiting, what FAILED and why. */
@Controller('v1/deliveries')
@UseGuards(OperatorKeyGuard)
export class OperationsController {
  constructor(
    @Inject(Deliveries) private readonly deliveries: Deliveries,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {}

  @Get()
  async list(@Query('orderId') orderId: string | undefined): Promise<{ deliveries: DeliveryView[] }> {
    if (!orderId) throw new BadRequestException('give the order: GET /v1/deliveries?orderId=<orderId>');
    return { deliveries: await this.deliveries.ofOrder(this.dataSource.manager, orderId) };
  }
}
