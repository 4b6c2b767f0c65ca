import type { CarrierQuote } from '@switchyard/contracts';
import { chooseQuote, decideSelection, type CarrierAnswer } from './select';

const quote = (shipmentId: string, carrierId: string, serviceCode: string, amount: string, estimatedDelivery: string, currency = 'EUR'): CarrierQuote => ({
  shipmentId, carrier: { carrierId, serviceCode }, price: { amount, currency }, estimatedDelivery,
});

describe('choosing a quote for one shipment', () => {
  const economy = quote('s1', 'tablerate', 'ECONOMY', '3.79', '2026-12-02');
  const standard = quote('s1', 'tablerate', 'STANDARD', '4.55', '2026-12-01');
  const express = quote('s1', 'tablerate', 'EXPRESS', '10.74', '2026-11-30');

  it('takes the cheapest that delivers by the promised date', () => {
    expect(chooseQuote([express, standard, economy], '2026-12-02')).toBe(economy);
    expect(chooseQuote([express, standard, economy], '2026-12-01')).toBe(standard);
    expect(chooseQuote([express, standard, economy], '2026-11-30')).toBe(express);
  });

  it('takes the cheapest of all when nothing was promised', () => {
    expect(chooseQuote([express, standard, economy], null)).toBe(economy);
  });

  it('takes the fastest, then the cheapest, when none meets the date', () => {
    const otherExpress = quote('s1', 'parcelco', 'FAST', '9.99', '2026-11-30');
    expect(chooseQuote([economy, express, otherExpress], '2026-11-27')).toBe(otherExpress);
  });

  it('compares money exactly, not as text', () => {
    expect(chooseQuote([quote('s1', 'a', 'X', '10.00', '2026-12-01'), quote('s1', 'b', 'Y', '9.5', '2026-12-01')], null)?.carrier.carrierId).toBe('b');
  });

  it('breaks ties by earlier delivery, then carrier id, then service code, whatever the order given', () => {
    const late = quote('s1', 'a', 'A', '5.00', '2026-12-02');
    const early = quote('s1', 'z', 'Z', '5.00', '2026-12-01');
    const byCarrier = quote('s1', 'b', 'Z', '5.00', '2026-12-01');
    const byService = quote('s1', 'b', 'A', '5.00', '2026-12-01');
    expect(chooseQuote([late, early], null)).toBe(early);
    expect(chooseQuote([early, byCarrier], null)).toBe(byCarrier);
    expect(chooseQuote([byCarrier, byService, early], null)).toBe(byService);
    expect(chooseQuote([byService, byCarrier, early], null)).toBe(byService);
  });

  it('has nothing to choose from no quotes', () => {
    expect(chooseQuote([], '2026-12-01')).toBeUndefined();
  });
});

describe('closing a selection', () => {
  const quoted = (carrierId: string, quotes: CarrierQuote[]): CarrierAnswer => ({ carrierId, kind: 'quoted', quotes });

  it('selects per shipment across every carrier that answered', () => {
    const outcome = decideSelection({
      shipmentIds: ['s1', 's2'],
      promisedDate: '2026-12-01',
      currency: 'EUR',
      answers: [
        quoted('tablerate', [quote('s1', 'tablerate', 'STANDARD', '4.55', '2026-12-01'), quote('s2', 'tablerate', 'STANDARD', '6.00', '2026-12-01')]),
        quoted('parcelco', [quote('s2', 'parcelco', 'SAVER', '5.10', '2026-11-30')]),
        { carrierId: 'ghost', kind: 'silent' },
      ],
    });
    expect(outcome).toEqual({
      kind: 'selected',
      selections: [
        { shipmentId: 's1', carrier: { carrierId: 'tablerate', serviceCode: 'STANDARD' }, quotedCost: { amount: '4.55', currency: 'EUR' }, estimatedDelivery: '2026-12-01' },
        { shipmentId: 's2', carrier: { carrierId: 'parcelco', serviceCode: 'SAVER' }, quotedCost: { amount: '5.10', currency: 'EUR' }, estimatedDelivery: '2026-11-30' },
      ],
    });
  });

  it('fails with CARRIERS_UNAVAILABLE when no carrier answered, naming each', () => {
    expect(
      decideSelection({
        shipmentIds: ['s1'],
        promisedDate: null,
        currency: 'EUR',
        answers: [
          { carrierId: 'ghost', kind: 'silent' },
          { carrierId: 'down', kind: 'unavailable', reason: 'CARRIERS_UNAVAILABLE: maintenance' },
        ],
      }),
    ).toEqual({
      kind: 'failed',
      reason: 'CARRIERS_UNAVAILABLE',
      shipmentIds: ['s1'],
      detail: 'shipment s1: ghost: no answer by the deadline; down: unavailable (CARRIERS_UNAVAILABLE: maintenance)',
    });
  });

  it('fails with DESTINATION_NOT_SERVED when a carrier said so and none quoted', () => {
    const outcome = decideSelection({
      shipmentIds: ['s1'],
      promisedDate: null,
      currency: 'EUR',
      answers: [{ carrierId: 'tablerate', kind: 'unavailable', reason: 'DESTINATION_NOT_SERVED: tablerate does not deliver to US' }],
    });
    expect(outcome).toMatchObject({ kind: 'failed', reason: 'DESTINATION_NOT_SERVED', shipmentIds: ['s1'] });
  });

  it('fails only the shipments without a usable quote, with NO_SERVICE_AVAILABLE, setting other currencies aside', () => {
    const outcome = decideSelection({
      shipmentIds: ['s1', 's2'],
      promisedDate: null,
      currency: 'EUR',
      answers: [quoted('tablerate', [quote('s1', 'tablerate', 'STANDARD', '4.55', '2026-12-01'), quote('s2', 'tablerate', 'STANDARD', '4.00', '2026-12-01', 'CHF')])],
    });
    expect(outcome).toEqual({
      kind: 'failed',
      reason: 'NO_SERVICE_AVAILABLE',
      shipmentIds: ['s2'],
      detail: 'shipment s2: tablerate: quoted only in CHF, not EUR',
    });
  });
});
