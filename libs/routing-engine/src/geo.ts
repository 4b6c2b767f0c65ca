import type { GeoPoint } from './model';

export const EARTH_RADIUS_KM = 6371;

const RADIANS = Math.PI / 180;

/** Great-circle distance by the haversine formula on a sphere of radius 6371 km. */
export const greatCircleKm = (from: GeoPoint, to: GeoPoint): number => {
  const dLat = (to.lat - from.lat) * RADIANS;
  const dLon = (to.lon - from.lon) * RADIANS;
  const a =
    Math.sin(dLat / 2) ** 2 + Math.cos(from.lat * RADIANS) * Math.cos(to.lat * RADIANS) * Math.sin(dLon / 2) ** 2;
  // min() guards asin against rounding just above 1 for antipodal points.
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
};
