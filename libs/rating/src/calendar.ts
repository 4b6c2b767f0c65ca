import { civilFromDays } from '@switchyard/routing-engine';

// Dates as day numbers (days since 1970-01-01, UTC), so transit arithmetic needs no clock.

const MS_PER_DAY = 86_400_000;

/** How transit days are counted: every calendar day, or Monday to Friday only. */
export type TransitDayCount = 'business' | 'calendar';

/** The UTC day number of an instant in epoch milliseconds. */
export const dayOf = (epochMs: number): number => Math.floor(epochMs / MS_PER_DAY);

/** 0 = Monday … 6 = Sunday; day 0 (1970-01-01) was a Thursday. */
const weekday = (day: number): number => (((day + 3) % 7) + 7) % 7;

/** The day `transitDays` after `day`: counting every day, or only Monday to Friday (a start on a weekend counts from Monday). */
export const addTransitDays = (day: number, transitDays: number, count: TransitDayCount): number => {
  if (count === 'calendar') return day + transitDays;
  let current = day;
  while (weekday(current) >= 5) current += 1;
  for (let left = transitDays; left > 0; left -= 1) {
    current += 1;
    while (weekday(current) >= 5) current += 1;
  }
  return current;
};

/** YYYY-MM-DD of a day number; the routing engine's calendar, so both libraries agree on dates. */
export const isoDate = (day: number): string => civilFromDays(day);
