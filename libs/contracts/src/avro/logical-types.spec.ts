import { parseAvroType } from '../registry';
import { explainInvalid } from './logical-types';

const decimal = (precision: number, scale: number) => parseAvroType({ type: 'bytes', logicalType: 'decimal', precision, scale } as never);
const date = parseAvroType({ type: 'int', logicalType: 'date' } as never);

describe('decimal on bytes', () => {
  // Avro bytes = zig-zag length, then the unscaled value as minimal big-endian two's complement.
  it.each([
    ['0', '0200'],
    ['127', '027f'],
    ['128', '040080'],
    ['-1', '02ff'],
    ['-128', '0280'],
    ['-129', '04ff7f'],
  ])('writes %s as %s', (amount, hex) => {
    expect(decimal(10, 0).toBuffer(amount).toString('hex')).toBe(hex);
    expect(decimal(10, 0).fromBuffer(Buffer.from(hex, 'hex'))).toBe(amount);
  });

  it('scales on the way in and shows the full scale on the way out', () => {
    const money = decimal(18, 4);
    expect(money.toBuffer('1').toString('hex')).toBe('042710'); // 10000 unscaled
    expect(money.fromBuffer(money.toBuffer('12.3'))).toBe('12.3000');
    expect(money.fromBuffer(money.toBuffer('-0.01'))).toBe('-0.0100');
    expect(money.fromBuffer(money.toBuffer('99999999999999.9999'))).toBe('99999999999999.9999');
  });

  it.each([
    [12.5, 'expected a decimal string like "12.34"'],
    ['12,50', 'expected a decimal string like "12.34", got "12,50"'],
    ['1.23456', 'has 5 decimal places; at most 4 fit'],
    ['100000000000000', 'has more than 18 significant digits'],
    ['1e3', 'expected a decimal string like "12.34", got "1e3"'],
  ])('refuses %j', (amount, reason) => {
    const money = decimal(18, 4);
    expect(money.isValid(amount)).toBe(false);
    expect(explainInvalid(money, amount)).toContain(reason);
  });

  it('resolves only between equal precision and scale, as the spec says', () => {
    expect(() => decimal(18, 4).createResolver(decimal(18, 4))).not.toThrow();
    expect(() => decimal(18, 4).createResolver(decimal(18, 2))).toThrow();
  });

  it('needs a precision and a scale that fits in it', () => {
    expect(() => parseAvroType({ type: 'bytes', logicalType: 'decimal' } as never)).toThrow('decimal needs a whole, positive "precision", got undefined.');
    expect(() => decimal(2, 3)).toThrow('decimal "scale" must be a whole number from 0 to the precision, got 3.');
  });
});

describe('date on int', () => {
  it.each([
    ['1970-01-01', 0],
    ['1969-12-31', -1],
    ['2024-02-29', 19782],
  ])('writes %s as day %d', (iso, days) => {
    const int = parseAvroType('int' as never);
    expect(date.toBuffer(iso)).toEqual(int.toBuffer(days));
    expect(date.fromBuffer(int.toBuffer(days))).toBe(iso);
  });

  it.each(['2026-02-29', '2026-13-01', '2026-1-1', '2026-12-01T00:00:00Z', 20000])('refuses %j', (value) => {
    expect(date.isValid(value)).toBe(false);
  });
});
