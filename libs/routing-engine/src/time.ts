// Calendar arithmetic without the clock: "now" always arrives in the request.

export const MS_PER_MINUTE = 60_000;
export const MS_PER_DAY = 86_400_000;

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
export const daysFromCivil = (year: number, month: number, day: number): number => {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
};

const civilDates = new Map<number, string>();

/** YYYY-MM-DD of a day number (inverse of daysFromCivil); remembered, as decisions name the same few days over and over. */
export const civilFromDays = (days: number): string => {
  let date = civilDates.get(days);
  if (date === undefined) civilDates.set(days, (date = formatCivil(days)));
  return date;
};

const formatCivil = (days: number): string => {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
};

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

const daysInMonth = (year: number, month: number): number =>
  daysFromCivil(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1) - daysFromCivil(year, month, 1);

/**
 * Epoch milliseconds of an ISO-8601 date or date-time ("2026-11-27", "2026-11-27T06:25:00Z",
 * "2026-11-27T07:25+01:00"); a date-time without offset is UTC. Undefined when it is not one.
 */
export const parseInstant = (text: string): number | undefined => {
  const match = ISO.exec(text.trim());
  if (!match) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', zone = 'Z'] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  let offsetMinutes = 0;
  if (zone !== 'Z') {
    const digits = zone.replace(':', '');
    const sign = digits[0] === '-' ? -1 : 1;
    offsetMinutes = sign * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
  }
  const millis = fraction ? Math.floor(Number(`0.${fraction}`) * 1000) : 0;
  const minutes = daysFromCivil(year, month, day) * 1440 + Number(h) * 60 + Number(mi) - offsetMinutes;
  return minutes * MS_PER_MINUTE + Number(s) * 1000 + millis;
};

const CLOCK_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Minutes after midnight of "HH:MM", or undefined when malformed. */
export const parseClockTime = (text: string): number | undefined => {
  const match = CLOCK_TIME.exec(text);
  return match ? Number(match[1]) * 60 + Number(match[2]) : undefined;
};

/** The calendar day (days since epoch) a promised date falls on: its own date, as written. */
export const promisedDay = (promisedDate: string): number | undefined => {
  const instant = parseInstant(promisedDate.slice(0, 10));
  return instant === undefined ? undefined : Math.floor(instant / MS_PER_DAY);
};
