import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EventOf, LineQuantity } from '@switchyard/contracts';
import { SwitchyardContext } from '@switchyard/messaging';
import { ServiceLogger } from '@switchyard/service-kit';
import type { EntityManager } from 'typeorm';
import { alertKey, Deliveries, type NewDelivery } from './deliveries';
import { Contacts, type OrderContact } from './contacts';
import { OrderWatch } from './order-watch';

const items = (lines: readonly LineQuantity[]) => lines.map((l) => ({ sku: l.sku, quantity: l.quantity }));

/** Status events that need the order's contact (from OrderAccepted): kept (parked) until it is known. */
type StatusEvent =
  | EventOf<'ShipmentDispatched'>
  | EventOf<'OrderCancelled'>
  | EventOf<'OrderHeld'>
  | EventOf<'OrderReleased'>
  | EventOf<'OrderRouted'>
  | EventOf<'CarrierSelected'>
  | EventOf<'OrderCompleted'>;

const statusEvents = ['ShipmentDispatched', 'OrderCancelled', 'OrderHeld', 'OrderReleased', 'OrderRouted', 'CarrierSelected', 'OrderCompleted'] as const;

/**
 * Order status events → the messages they deserve, queued in the handler's transaction (with the inbox row).
 * A status event of an order whose OrderAccepted has not arrived (another topic: no fixed order) is parked in the
 * same transaction and applied when the acceptance comes.
 */
@Controller()
export class StatusHandlers {
  constructor(
    @Inject(Deliveries) private readonly deliveries: Deliveries,
    @Inject(Contacts) private readonly contacts: Contacts,
    @Inject(OrderWatch) private readonly watch: OrderWatch,
    @Inject(ServiceLogger) private readonly logger: ServiceLogger,
  ) {}

  @EventPattern('OrderAccepted')
  async accepted(@Payload() event: EventOf<'OrderAccepted'>, @Ctx() ctx: SwitchyardContext): Promise<void> {
    const em = ctx.entityManager;
    const { orderId, channel, channelOrderId, customer, lines, promisedDate } = event.payload;
    await this.contacts.record(em, { orderId, channel, channelOrderId, contactReference: customer.contactReference, email: customer.email, locale: customer.locale });
    await this.watch.start(em, orderId, promisedDate);
    await this.queue(em, orderId, (contact) => ({
      orderId,
      statusKey: 'ACCEPTED',
      content: { template: 'order-accepted', channelOrderId: contact.channelOrderId, lines: items(lines) },
      toCustomer: true,
      triggeredBy: 'OrderAccepted',
      causedBy: event.payload.metadata.eventId,
    }));
    await this.replayParked(em, orderId);
  }

  /** Intake refused the order: there was no OrderAccepted, so the contact (if the order named one validly) comes from here. */
  @EventPattern('OrderRejected')
  async rejected(@Payload() event: EventOf<'OrderRejected'>, @Ctx() ctx: SwitchyardContext): Promise<void> {
    const em = ctx.entityManager;
    const { orderId, channel, channelOrderId, customer, reason, detail } = event.payload;
    await this.contacts.record(em, { orderId, channel, channelOrderId, contactReference: customer?.contactReference ?? null, email: customer?.email ?? null, locale: customer?.locale ?? null });
    await this.queue(em, orderId, (contact) => ({
      orderId,
      statusKey: 'REJECTED',
      content: { template: 'order-rejected', channelOrderId: contact.channelOrderId, reason, detail },
      toCustomer: true,
      triggeredBy: 'OrderRejected',
      causedBy: event.payload.metadata.eventId,
    }));
    await this.replayParked(em, orderId);
  }

  /** For operations only: needs no contact, never parked. One alert per (order, problem, saga state). */
  @EventPattern('OrderNeedsAttention')
  async needsAttention(@Payload() event: EventOf<'OrderNeedsAttention'>, @Ctx() ctx: SwitchyardContext): Promise<void> {
    const { orderId, problem, sagaState, awaiting, attempts, detail } = event.payload;
    const content = await this.watch.alert(ctx.entityManager, orderId, 'NEEDS_ATTENTION', detail, [
      ['Problem', problem],
      ['Saga state', sagaState],
      ['Awaiting', awaiting ?? '-'],
      ['Attempts', String(attempts)],
    ]);
    await this.deliveries.queueAlert(
      ctx.entityManager,
      { statusKey: alertKey('NEEDS_ATTENTION', `${problem}:${sagaState}`), content, triggeredBy: 'OrderNeedsAttention', causedBy: event.payload.metadata.eventId },
      new Date(),
    );
  }

  @EventPattern([...statusEvents])
  async status(@Payload() event: StatusEvent, @Ctx() ctx: SwitchyardContext): Promise<void> {
    const em = ctx.entityManager;
    const contact = await this.contacts.of(em, event.payload.orderId);
    if (!contact) {
      await em.query(`INSERT INTO notification.parked_events (order_id, event_type, event) VALUES ($1, $2, $3)`, [event.payload.orderId, event.type, JSON.stringify(event)]);
      this.logger.info('status event before the order’s OrderAccepted; parked until it comes', { orderId: event.payload.orderId, type: event.type });
      return;
    }
    await this.apply(em, contact, event);
  }

  private async queue(em: EntityManager, orderId: string, delivery: (contact: OrderContact) => NewDelivery): Promise<void> {
    const contact = await this.contacts.of(em, orderId);
    if (contact) await this.deliveries.queue(em, contact, delivery(contact), new Date());
  }

  /** Applies the events parked for this order, in the order they arrived, and forgets them. */
  private async replayParked(em: EntityManager, orderId: string): Promise<void> {
    const [parked]: [{ parked_id: string; event: StatusEvent }[], number] = await em.query(`DELETE FROM notification.parked_events WHERE order_id = $1 RETURNING parked_id, event`, [orderId]);
    if (parked.length === 0) return;
    const contact = await this.contacts.of(em, orderId);
    if (!contact) return;
    const inArrivalOrder = [...parked].sort((a, b) => Number(a.parked_id) - Number(b.parked_id));
    this.logger.info('applying status events parked before the acceptance', { orderId, count: inArrivalOrder.length });
    for (const { event } of inArrivalOrder) await this.apply(em, contact, event);
  }

  private async apply(em: EntityManager, contact: OrderContact, event: StatusEvent): Promise<void> {
    const now = new Date();
    const causedBy = event.payload.metadata.eventId;
    const { orderId } = event.payload;
    const queue = (delivery: Omit<NewDelivery, 'orderId' | 'causedBy' | 'triggeredBy'>) => this.deliveries.queue(em, contact, { ...delivery, orderId, causedBy, triggeredBy: event.type }, now);
    const channelOrderId = contact.channelOrderId;
    switch (event.type) {
      case 'ShipmentDispatched': {
        const { fulfilmentId, carrier, trackingNumber, trackingUrl, lines } = event.payload;
        return queue({
          statusKey: `DISPATCHED:${fulfilmentId}`,
          content: { template: 'order-dispatched', channelOrderId, carrierId: carrier.carrierId, serviceCode: carrier.serviceCode, trackingNumber, trackingUrl, lines: items(lines) },
          toCustomer: true,
        });
      }
      case 'OrderCancelled': {
        await this.watch.closed(em, orderId);
        const { reason, cancelledLines } = event.payload;
        return queue({ statusKey: 'CANCELLED', content: { template: 'order-cancelled', channelOrderId, reason, lines: items(cancelledLines) }, toCustomer: true });
      }
      case 'OrderHeld': {
        // Only a wait for stock is the customer's business; an operator hold or a fraud review is not told.
        const { reason, heldLines } = event.payload;
        await this.watch.waiting(em, orderId, 'HELD', new Date(event.payload.metadata.occurredAt));
        const episode = await this.watch.holdEpisode(em, orderId);
        return queue({ statusKey: `HELD:${episode}`, content: { template: 'order-held', channelOrderId, reason, lines: items(heldLines) }, toCustomer: reason === 'AWAITING_STOCK' });
      }
      case 'OrderReleased': {
        const episode = await this.watch.released(em, orderId);
        return queue({ statusKey: `RELEASED:${episode}`, content: { template: 'order-released', channelOrderId }, toCustomer: false });
      }
      case 'OrderRouted': {
        const { shipments, backOrderedLines } = event.payload.plan;
        if (backOrderedLines.length > 0) await this.watch.waiting(em, orderId, 'BACK_ORDERED', new Date(event.payload.metadata.occurredAt));
        else await this.watch.stopWaiting(em, orderId, 'BACK_ORDERED');
        await this.checkPromise(em, orderId, shipments.map((s) => [s.shipmentId, s.estimatedDelivery] as const), 'routing plan', event.type, causedBy, now);
        // Only a split is news to the customer (not every routing): once per order, naming which items come when.
        if (shipments.length === 0 || (shipments.length === 1 && backOrderedLines.length === 0)) return;
        return queue({
          statusKey: 'SPLIT',
          content: {
            template: 'order-split',
            channelOrderId,
            shipments: shipments.map((s) => ({ shipmentId: s.shipmentId, estimatedDelivery: s.estimatedDelivery, lines: items(s.lines) })),
            backOrderedLines: items(backOrderedLines),
          },
          toCustomer: true,
        });
      }
      case 'CarrierSelected':
        return this.checkPromise(em, orderId, event.payload.selections.map((s) => [s.shipmentId, s.estimatedDelivery] as const), 'carrier estimate', event.type, causedBy, now);
      case 'OrderCompleted': {
        await this.watch.closed(em, orderId);
        const { shipments, cancelledLines } = event.payload;
        return queue({
          statusKey: 'COMPLETED',
          content: {
            template: 'order-completed',
            channelOrderId,
            shipments: shipments.map((s) => ({ fulfilmentId: s.fulfilmentId, carrierId: s.carrier.carrierId, trackingNumber: s.trackingNumber, lines: items(s.lines) })),
            cancelledLines: items(cancelledLines),
          },
          toCustomer: false,
        });
      }
    }
  }

  /** SLA risk: a shipment estimated to arrive after the date promised to the customer. */
  private async checkPromise(em: EntityManager, orderId: string, estimates: readonly (readonly [string, string])[], source: string, triggeredBy: string, causedBy: string, now: Date): Promise<void> {
    const promised = await this.watch.promisedDate(em, orderId);
    if (promised === null) return;
    const late = estimates.filter(([, estimate]) => estimate > promised);
    if (late.length === 0) return;
    await this.watch.slaRisk(
      em,
      orderId,
      `The ${source} expects delivery after the promised date ${promised}.`,
      [['Promised', promised], ...late.map(([shipment, estimate]) => [`Shipment ${shipment}`, `expected ${estimate}`] as const)],
      triggeredBy,
      causedBy,
      now,
    );
  }
}
