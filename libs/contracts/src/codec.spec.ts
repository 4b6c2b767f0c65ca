import { EventCodec } from './codec';
import { InvalidEventError, MalformedMessageError } from './errors';
import { EventType } from './events';
import { eventTypes } from './registry';
import { exampleEvents } from './testing/example-events';

const codec = new EventCodec();

function malformed(bytes: Buffer): MalformedMessageError {
  try {
    codec.decode(bytes);
  } catch (error) {
    if (error instanceof MalformedMessageError) return error;
    throw error;
  }
  throw new Error('decode accepted malformed bytes');
}

function invalid(type: EventType, payload: unknown): InvalidEventError {
  try {
    codec.encode(type, payload as never);
  } catch (error) {
    if (error instanceof InvalidEventError) return error;
    throw error;
  }
  throw new Error('encode accepted an invalid payload');
}

describe('EventCodec', () => {
  it.each(eventTypes)('round-trips %s through single-object encoding', (type) => {
    const bytes = codec.encode(type, exampleEvents[type] as never);
    const latest = codec.registry.latest(type);

    expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0xc3, 0x01]));
    expect(bytes.subarray(2, 10).toString('hex')).toBe(latest.fingerprintHex);
    expect(codec.decode(bytes)).toEqual({ type, version: latest.version, fingerprint: latest.fingerprintHex, payload: exampleEvents[type] });
  });

  it('encodes a discriminated-union event like its parts', () => {
    const event = { type: 'OrderHeld', payload: exampleEvents.OrderHeld } as const;
    expect(codec.encodeEvent(event)).toEqual(codec.encode('OrderHeld', exampleEvents.OrderHeld));
  });

  it('resolves an older writer version to the latest, filling the new field with its default', () => {
    const { market: _market, ...v1 } = exampleEvents.OrderReceived;
    const decoded = codec.decode(codec.encodeVersion('OrderReceived', 1, v1));

    expect(decoded.type).toBe('OrderReceived');
    expect(decoded.version).toBe(1);
    expect(decoded.fingerprint).toBe(codec.registry.versions('OrderReceived')[0].fingerprintHex);
    expect(decoded.payload).toEqual({ ...v1, market: null });
  });

  it('keeps money exact: amounts come back as decimal strings at the schema scale', () => {
    const payload = { ...exampleEvents.CarrierSelected, selections: [{ ...exampleEvents.CarrierSelected.selections[0], quotedCost: { amount: '99999999999999.99', currency: 'EUR' } }] };
    const decoded = codec.decode(codec.encode('CarrierSelected', payload));
    expect(decoded.type === 'CarrierSelected' && decoded.payload.selections[0].quotedCost.amount).toBe('99999999999999.9900');
  });

  describe('encode refuses a payload that does not match the schema', () => {
    it('names every wrong field by its path and says what was expected', () => {
      const line = exampleEvents.OrderReceived.lines[0];
      const error = invalid('OrderReceived', {
        ...exampleEvents.OrderReceived,
        serviceLevel: 'FAST',
        lines: [{ ...line, quantity: 1.5, unitPrice: { amount: 12.5, currency: 'EUR' } }],
      });

      expect(error.eventType).toBe('OrderReceived');
      expect(error.problems).toEqual([
        { path: 'serviceLevel', problem: 'expected one of STANDARD, EXPRESS, NEXT_DAY, SAME_DAY, got "FAST"' },
        { path: 'lines[0].quantity', problem: 'expected a whole number (int, 32-bit), got number 1.5' },
        { path: 'lines[0].unitPrice.amount', problem: 'expected a decimal string like "12.34" (numbers are refused so no float touches money), got number 12.5' },
      ]);
      expect(error.message).toMatch(/^OrderReceived payload is invalid: serviceLevel: expected one of/);
    });

    it('names a missing field, an undeclared field and an impossible date', () => {
      const { channel: _channel, ...withoutChannel } = exampleEvents.OrderAccepted;
      const error = invalid('OrderAccepted', { ...withoutChannel, chanel: 'web-de', promisedDate: '2026-02-30' });

      expect(error.problems).toEqual([
        { path: 'channel', problem: 'is missing' },
        { path: 'promisedDate', problem: 'expected an ISO date like "2026-12-01", got "2026-02-30" (null is also allowed)' },
        { path: '', problem: expect.stringContaining('has field(s) the schema does not declare: chanel') },
      ]);
    });

    it('refuses more decimal places than the schema keeps rather than rounding money', () => {
      const error = invalid('SelectCarrier', {
        ...exampleEvents.SelectCarrier,
        shipments: [{ ...exampleEvents.SelectCarrier.shipments[0], declaredValue: { amount: '1.23456', currency: 'EUR' } }],
      });
      expect(error.problems).toEqual([{ path: 'shipments[0].declaredValue.amount', problem: '"1.23456" has 5 decimal places; at most 4 fit' }]);
    });

    it('refuses an event type the contracts do not define', () => {
      expect(() => codec.encode('OrderTeleported' as EventType, {} as never)).toThrow(/Unknown event type "OrderTeleported". Known event types: CancelOrder, /);
    });
  });

  describe('decode says what is wrong with malformed bytes', () => {
    const good = codec.encode('OrderHeld', exampleEvents.OrderHeld);

    it('refuses bytes without the single-object marker', () => {
      const error = malformed(Buffer.from('{"type":"OrderHeld"}'));
      expect(error.reason).toBe('not-single-object-encoding');
      expect(error.message).toContain('starts with 7b22');
    });

    it('refuses a header cut short', () => {
      expect(malformed(good.subarray(0, 6)).reason).toBe('truncated');
      expect(malformed(Buffer.from([0xc3])).reason).toBe('truncated');
    });

    it('refuses a body cut short, naming the writer schema', () => {
      const error = malformed(good.subarray(0, good.length - 3));
      expect(error.reason).toBe('truncated');
      expect(error.message).toContain(`OrderHeld v1 (fingerprint ${codec.registry.latest('OrderHeld').fingerprintHex})`);
    });

    it('refuses an unknown fingerprint, naming it', () => {
      const bytes = Buffer.concat([Buffer.from('c3010102030405060708', 'hex'), good.subarray(10)]);
      const error = malformed(bytes);
      expect(error.reason).toBe('unknown-fingerprint');
      expect(error.fingerprint).toBe('0102030405060708');
      expect(error.message).toContain('No published event schema has fingerprint 0102030405060708');
    });

    it('refuses a body that is not valid for the schema', () => {
      // metadata { eventId "e", occurredAt 1, correlationId "c", causationId: union branch 5 }: there are only 2 branches.
      const body = Buffer.from([0x02, 0x65, 0x02, 0x02, 0x63, 0x0a]);
      const error = malformed(Buffer.concat([good.subarray(0, 10), body]));
      expect(error.reason).toBe('invalid-body');
      expect(error.message).toContain('is not valid Avro for this schema (invalid union index: 5)');
    });

    it('refuses trailing bytes after the body', () => {
      expect(malformed(Buffer.concat([good, Buffer.from([0])])).reason).toBe('invalid-body');
    });
  });
});
