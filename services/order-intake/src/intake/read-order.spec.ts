import { orderBody, line } from '../testing/orders';
import { readOrder } from './read-order';

const limits = { maxLines: 3 };

function problemsOf(input: unknown) {
  const result = readOrder(input, limits);
  if (result.ok) throw new Error('expected the order to be refused');
  return result;
}

describe('reading an order from a channel', () => {
  it('reads a valid order, filling absent optional fields with null', () => {
    const body = orderBody();
    delete body['market'];
    delete body['promisedDate'];
    const result = readOrder(body, limits);
    expect(result).toEqual({ ok: true, order: expect.objectContaining({ channelOrderId: 'WEB-100234', market: null, promisedDate: null, backOrderPolicy: null }) });
  });

  it('names every wrong field by its path, with what to do', () => {
    const body = orderBody({
      serviceLevel: 'FAST',
      lines: [line('l1', 'A'), line('l2', 'B', 0), { ...line('l3', 'C'), quantity: 1.5, unitPrice: { amount: 12.3, currency: 'eur' } }],
    });
    const { problems } = problemsOf(body);
    expect(problems).toEqual([
      { path: 'serviceLevel', problem: 'must be one of STANDARD, EXPRESS, NEXT_DAY, SAME_DAY, got "FAST"' },
      { path: 'lines[1].quantity', problem: 'must be a whole number ≥ 1, got 0' },
      { path: 'lines[2].quantity', problem: 'must be a whole number ≥ 1, got 1.5' },
      { path: 'lines[2].unitPrice.amount', problem: 'must be text, got number 12.3' },
      { path: 'lines[2].unitPrice.currency', problem: 'must be an ISO 4217 currency code such as EUR' },
    ]);
  });

  it('requires an address with a real country code', () => {
    const { problems } = problemsOf(orderBody({ destination: { recipientName: 'Kim', line1: 'x', city: 'Berlin', countryCode: 'XX' } }));
    expect(problems).toEqual([{ path: 'destination.countryCode', problem: 'must be an ISO 3166-1 alpha-2 country code in capitals, such as DE or US; got "XX"' }]);
    expect(problemsOf(orderBody({ destination: { recipientName: 'Kim', line1: 'x', city: 'Berlin' } })).problems).toEqual([
      { path: 'destination.countryCode', problem: 'is required' },
    ]);
  });

  it('refuses fields an order does not have, pointing out that the channel comes from the key', () => {
    const { problems } = problemsOf(orderBody({ channel: 'web', notes: 'x' }));
    expect(problems.map((p) => p.path)).toEqual(['channel', 'notes']);
    expect(problems[0].problem).toMatch(/the channel comes from the API key/);
  });

  it('refuses repeated line ids and empty orders', () => {
    expect(problemsOf(orderBody({ lines: [line('l1', 'A'), line('l1', 'B')] })).problems).toEqual([
      { path: 'lines[1].lineId', problem: 'repeats line id "l1" of lines[0]; line ids must be unique within an order' },
    ]);
    expect(problemsOf(orderBody({ lines: [] })).problems).toEqual([{ path: 'lines', problem: 'must have at least one line' }]);
  });

  it('says when an order has too many lines, without reading each of them', () => {
    const result = problemsOf(orderBody({ lines: [1, 2, 3, 4].map((n) => line(`l${n}`, 'A', 0)) }));
    expect(result.tooManyLines).toBe(true);
    expect(result.problems).toEqual([{ path: 'lines', problem: 'has 4 lines; one order may have at most 3: split it into several orders' }]);
  });

  it('checks dates are real calendar dates', () => {
    expect(problemsOf(orderBody({ promisedDate: '2026-02-30' })).problems).toEqual([
      { path: 'promisedDate', problem: 'must be a calendar date as YYYY-MM-DD, such as 2026-12-01; got "2026-02-30"' },
    ]);
  });

  it('keeps the customer of a refused order when that part was valid, so a rejection can still reach them', () => {
    expect(problemsOf(orderBody({ lines: [] })).customer).toMatchObject({ customerId: 'cus-118' });
    expect(problemsOf(orderBody({ lines: [], customer: { customerId: '' } })).customer).toBeNull();
  });

  it('answers anything that is not an order with a problem, not an exception', () => {
    for (const input of [undefined, null, 'order', [1], 42]) {
      expect(problemsOf(input).problems).toEqual([{ path: '(body)', problem: 'must be an object (an order)' }]);
    }
  });
});
