import { EARTH_RADIUS_KM, greatCircleKm } from './geo';
import { civilFromDays, daysFromCivil, parseInstant } from './time';

describe('great-circle distance (haversine, R = 6371 km)', () => {
  it('given London and Manchester, then about 262 km', () => {
    expect(greatCircleKm({ lat: 51.5, lon: -0.12 }, { lat: 53.48, lon: -2.24 })).toBeCloseTo(262.8, 1);
  });

  it('given antipodal points, then half the circumference', () => {
    expect(greatCircleKm({ lat: 0, lon: 0 }, { lat: 0, lon: 180 })).toBeCloseTo(Math.PI * EARTH_RADIUS_KM, 6);
  });

  it('given one point twice, then zero', () => {
    expect(greatCircleKm({ lat: 53.8, lon: -1.55 }, { lat: 53.8, lon: -1.55 })).toBe(0);
  });
});

describe('time from the request, never the clock', () => {
  it.each([
    ['1970-01-01', 0],
    ['2026-11-27T06:25:00Z', Date.UTC(2026, 10, 27, 6, 25)],
    ['2026-11-27T07:25:00+01:00', Date.UTC(2026, 10, 27, 6, 25)],
    ['2024-02-29T23:59:59.5Z', Date.UTC(2024, 1, 29, 23, 59, 59, 500)],
    ['2026-11-27 06:25', Date.UTC(2026, 10, 27, 6, 25)],
  ])('parses %s like the platform does', (text, epochMs) => {
    expect(parseInstant(text)).toBe(epochMs);
  });

  it.each(['2026-02-29', '2026-13-01', '27/11/2026', '2026-11-27T25:00Z', ''])('rejects %j', (text) => {
    expect(parseInstant(text)).toBeUndefined();
  });

  it('round-trips calendar days across centuries and leap years', () => {
    for (const day of [-719468, -1, 0, 59, 10_957, 20_784, 2_932_896]) {
      const [y, m, d] = civilFromDays(day).split('-').map(Number);
      expect(daysFromCivil(y, m, d)).toBe(day);
    }
    expect(civilFromDays(daysFromCivil(2026, 11, 27))).toBe('2026-11-27');
  });
});
