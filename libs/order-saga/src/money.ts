import type { Money } from '@switchyard/contracts';

// Exact decimal money as scaled integers: amounts in the contracts carry at most 4 decimal places.
const SCALE = 4;
const FACTOR = 10n ** BigInt(SCALE);

function toUnits(amount: string): bigint {
  const negative = amount.trim().startsWith('-');
  const [whole, fraction = ''] = amount.trim().replace(/^[-+]/, '').split('.');
  const units = BigInt(whole || '0') * FACTOR + BigInt((fraction + '0'.repeat(SCALE)).slice(0, SCALE));
  return negative ? -units : units;
}

function fromUnits(units: bigint): string {
  const sign = units < 0n ? '-' : '';
  const magnitude = units < 0n ? -units : units;
  return `${sign}${magnitude / FACTOR}.${(magnitude % FACTOR).toString().padStart(SCALE, '0')}`;
}

/** Sum of unit price × quantity over some lines, in their (single) currency. */
export function lineValue(priced: readonly { readonly unitPrice: Money; readonly quantity: number }[], currency: string): Money {
  const units = priced.reduce((sum, line) => sum + toUnits(line.unitPrice.amount) * BigInt(line.quantity), 0n);
  return { amount: fromUnits(units), currency };
}
