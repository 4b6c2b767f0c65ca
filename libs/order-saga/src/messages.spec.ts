import { eventRoles } from './events';
import { derivedEventId } from './ids';
import { outgoingMessages } from './messages';
import { accepted, allLines, cancelOrder, carrierSelected, fulfilmentCancelled, q, routed, shipment, stockReserved, unroutable } from './testing/fixtures';
import { History } from './testing/spec';
import { defaultSagaPolicy } from './policy';

describe('outgoing messages: which events leave the orchestrator, on which topic, with which key', () => {
  const run = (...inputs: Parameters<History['handle']>[0][]) => {
    const history = new History(defaultSagaPolicy);
    return inputs.map((input) => outgoingMessages(history.handle(input)).map((m) => [m.topic, m.key, m.event.type]));
  };

  it('given a whole order flow, when its events are turned into messages, then commands go to their services and replies stay home', () => {
    const berlin = [q('l1'), q('l2')];
    const hamburg = [q('l3')];
    expect(run(
      accepted('SPLIT'),
      routed(1, [shipment('shp-1', 'dc-berlin', berlin), shipment('shp-2', 'dc-hamburg', hamburg)]),
      stockReserved(1, 'dc-berlin', berlin),
      stockReserved(2, 'dc-hamburg', hamburg),
      carrierSelected(['shp-1', 'shp-2']),
      cancelOrder(),
      fulfilmentCancelled('shp-2', 'dc-hamburg'),
    )).toEqual([
      [['routing.commands', 'ord-100', 'RouteOrder']],
      [['inventory.commands', 'ord-100', 'ReserveStock'], ['inventory.commands', 'ord-100', 'ReserveStock']],
      [],
      [['carrier.commands', 'ord-100', 'SelectCarrier']],
      [['fulfilment.instructions.dc-berlin', 'ord-100', 'FulfilmentInstructed'], ['fulfilment.instructions.dc-hamburg', 'ord-100', 'FulfilmentInstructed']],
      [
        ['fulfilment.instructions.dc-hamburg', 'ord-100', 'FulfilmentCancellationRequested'],
        ['fulfilment.instructions.dc-berlin', 'ord-100', 'FulfilmentCancellationRequested'],
        ['inventory.commands', 'ord-100', 'ReleaseStock'], ['inventory.commands', 'ord-100', 'ReleaseStock'], ['orders.lifecycle', 'ord-100', 'OrderCancelled'],
      ],
      [],
    ]);
  });

  it('given a back-order, when its events are turned into messages, then the hold is published on orders.lifecycle', () => {
    expect(run(accepted(), unroutable(1, allLines()))[1]).toEqual([['orders.lifecycle', 'ord-100', 'OrderHeld']]);
  });

  it('given every saga event type, when classified, then recorded replies and bookkeeping are never sent and OrderRouted stays on routing.events', () => {
    const sent = Object.entries(eventRoles).filter(([, role]) => role === 'command' || role === 'status').map(([type]) => type).sort();
    expect(sent).toEqual([
      'FulfilmentCancellationRequested', 'FulfilmentInstructed', 'OrderCancelled', 'OrderCompleted', 'OrderHeld', 'OrderNeedsAttention', 'OrderReleased',
      'ReleaseStock', 'ReserveStock', 'RouteOrder', 'SelectCarrier',
    ]);
    expect(eventRoles.OrderRouted).toBe('recorded');
    expect(eventRoles.FulfilmentCancelled).toBe('recorded');
    expect(eventRoles.TimerScheduled).toBe('internal');
  });

  it('given an input, when the saga names its events, then the ids are name-based UUIDs, the same every time and different per order', () => {
    const id = derivedEventId('ord-100', 'in-1', 0);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(derivedEventId('ord-100', 'in-1', 0)).toBe(id);
    expect(derivedEventId('ord-100', 'in-1', 1)).not.toBe(id);
    expect(derivedEventId('ord-101', 'in-1', 0)).not.toBe(id);
  });
});
