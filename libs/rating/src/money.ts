// Money as integers: decimal strings in, decimal strings out, never a float in between.

/** Decimal places every amount is held at inside the rating library: the contracts' decimal(18,4). */
export const AMOUNT_SCALE = 4;

const DECIMAL = /^(-?)(\d{1,14})(?:\.(\d{1,4}))?$/;

/** "12.34" → 123400n (ten-thousandths); undefined when the text is not a decimal with at most 4 places. */
export const parseAmount = (text: string): bigint | undefined => {
  const match = DECIMAL.exec(text.trim());
  if (!match) return undefined;
  const [, sign, whole, fraction = ''] = match;
  const units = BigInt(whole) * 10n ** BigInt(AMOUNT_SCALE) + BigInt(fraction.padEnd(AMOUNT_SCALE, '0'));
  return sign === '-' ? -units : units;
};

/** Like parseAmount, for amounts already validated (event payloads, a parsed rate table). */
export const amountOf = (text: string): bigint => {
  const units = parseAmount(text);
  if (units === undefined) throw new Error(`"${text}" is not a decimal amount with at most ${AMOUNT_SCALE} decimal places`);
  return units;
};

/** Ten-thousandths as a decimal string with `digits` places (0 to 4), e.g. 53200n, 2 → "5.32"; extra places must be zero. */
export const formatAmount = (units: bigint, digits: number): string => {
  const dropped = 10n ** BigInt(AMOUNT_SCALE - digits);
  if (units % dropped !== 0n) throw new Error(`${units} ten-thousandths do not fit ${digits} decimal places; round first`);
  const negative = units < 0n;
  const scaled = (negative ? -units : units) / dropped;
  const text = scaled.toString().padStart(digits + 1, '0');
  const whole = text.slice(0, text.length - digits);
  const fraction = digits > 0 ? `.${text.slice(text.length - digits)}` : '';
  return `${negative ? '-' : ''}${whole}${fraction}`;
};

/** `numerator / denominator` rounded half away from zero, for non-negative numerators and positive denominators. */
const divideRoundingHalfUp = (numerator: bigint, denominator: bigint): bigint => (2n * numerator + denominator) / (2n * denominator);

/**
 * A price plus a surcharge of `percent` (itself an amount: "8.5" is 8.5 %), rounded half-up to the currency's
 * `digits` decimal places. All in ten-thousandths.
 */
export const addPercentRounded = (price: bigint, percent: bigint, digits: number): bigint => {
  const hundredPercent = 100n * 10n ** BigInt(AMOUNT_SCALE);
  const step = 10n ** BigInt(AMOUNT_SCALE - digits);
  return divideRoundingHalfUp(price * (hundredPercent + percent), hundredPercent * step) * step;
};
