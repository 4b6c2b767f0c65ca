import { Controller, Inject, Module } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EventOf, LineQuantity } from '@switchyard/contracts';
import { SwitchyardContext } from '@switchyard/messaging';
import { dueWorkLoopProvider, SERVICE_SETTINGS, ServiceLogger } from '@switchyard/service-kit';
import { Deliveries, type NewDelivery } from './deliveries';
import { EmailSender } from './email-sender';
import type { NotificationSettings } from './notification.settings';
import { ChannelWebhooksController, OperationsController } from './operations.controller';
import { WebhookSender } from './webhook-sender';

const items = (lines: readonly LineQuantity[]) => lines.map((l) => ({ sku: l.sku, quantity: l.quantity }));

/** Order status events → the messages they deserve, queued in the handler's transaction (with the inbox row). */
@Controller()
class StatusHandlers {
  constructor(
    @Inject(Deliveries) private readonly deliveries: Deliveries,
    @Inject(ServiceLogger) private readonly logger: ServiceLogger,
  ) {}

  @EventPattern('OrderAccepted')
  async accepted(@Payload() event: EventOf<'OrderAccepted'>, @Ctx() ctx: SwitchyardContext): Promise<void> {
    const { orderId, channel, channelOrderId, customer, lines } = event.payload;
    const contact = { orderId, channel, channelOrderId, contactReference: customer.contactReference, email: customer.email, locale: customer.locale };
    await this.deliveries.recordContact(ctx.entityManager, contact);
    await this.queue(ctx, orderId, (channelOrderId) => ({
      orderId,
      statusKey: 'ACCEPTED',
      content: { template: 'order-accepted', channelOrderId, lines: items(lines) },
      triggeredBy: 'OrderAccepted',
      causedBy: event.payload.metadata.eventId,
    }));
  }

  @EventPattern('ShipmentDispatched')
  async dispatched(@Payload() event: EventOf<'ShipmentDispatched'>, @Ctx() ctx: SwitchyardContext): Promise<void> {
    const { orderId, fulfilmentId, carrier, trackingNumber, trackingUrl, lines } = event.payload;
    await this.queue(ctx, orderId, (channelOrderId) => ({
      orderId,
      statusKey: `DISPATCHED:${fulfilmentId}`,
      content: { template: 'order-dispatched', channelOrderId, carrierId: carrier.carrierId, serviceCode: carrier.serviceCode, trackingNumber, trackingUrl, lines: items(lines) },
      triggeredBy: 'ShipmentDispatched',
      causedBy: event.payload.metadata.eventId,
    }));
  }

  @EventPattern('OrderCancelled')
  async cancelled(@Payload() event: EventOf<'OrderCancelled'>, @Ctx() ctx: SwitchyardContext): Promise<void> {
    const { orderId, reason, cancelledLines } = event.payload;
    await this.queue(ctx, orderId, (channelOrderId) => ({
      orderId,
      statusKey: 'CANCELLED',
      content: { template: 'order-cancelled', channelOrderId, reason, lines: items(cancelledLines) },
      triggeredBy: 'OrderCancelled',
      causedBy: event.payload.metadata.eventId,
    }));
  }

  private async queue(ctx: SwitchyardContext, orderId: string, delivery: (channelOrderId: string) => NewDelivery): Promise<void> {
    const contact = await this.deliveries.contactOf(ctx.entityManager, orderId);
    if (!contact) {
      // Only orders whose OrderAccepted this service saw have a customer to tell (see docs/notification.md: not built yet).
      this.logger.warn('status event for an order without a recorded OrderAccepted; no customer to notify', { orderId });
      return;
    }
    await this.deliveries.queue(ctx.entityManager, contact, delivery(contact.channelOrderId), new Date());
  }
}

/** Works the delivery queue: one transaction per delivery, so one unreachable recipient never holds up the others. */
const deliveryLoop = dueWorkLoopProvider('NOTIFICATION_DELIVERY_LOOP', [Deliveries, SERVICE_SETTINGS], (deliveries: Deliveries, settings: NotificationSettings) => ({
  name: 'sending due notifications',
  intervalMs: settings.DELIVERY_SCAN_INTERVAL_MS,
  due: (em, now) => deliveries.due(em, now),
  act: (tx, item) => deliveries.deliver(tx, item),
  describe: (item) => ({ deliveryId: item.deliveryId, orderId: item.orderId }),
}));

@Module({ controllers: [StatusHandlers, OperationsController, ChannelWebhooksController], providers: [Deliveries, EmailSender, WebhookSender, deliveryLoop] })
export class NotificationModule {}
