import type { ServiceLevel } from '@switchyard/contracts';
import { civilFromDays, validateScenario, type GeoPoint, type Location, type Validated, type ValidationIssue } from '@switchyard/routing-engine';
import { EntityManager } from 'typeorm';
import { isObject, readConfigFile } from './config-file';

// The network routing decides over: locations with coordinates, markets, channels, handling cost, daily capacity,
// cutoffs per service level and UTC offset, in the routing engine's own Location shape. A file is the source; the
// routing schema holds what was loaded, and capacity used today is counted from routing's own planned shipments.

export type NetworkConfig = {
  readonly description?: string;
  /** Currency of the handling costs here and of the ruleset's cost model: the plans' estimated costs are in it. */
  readonly currency: string;
  /** A point per destination country, for destinations that arrive without coordinates. */
  readonly fallbackCoordinates: Readonly<Record<string, GeoPoint>>;
  readonly locations: readonly Location[];
};

const SERVICE_LEVELS: readonly ServiceLevel[] = ['STANDARD', 'EXPRESS', 'NEXT_DAY', 'SAME_DAY'];
const KNOWN_FIELDS = ['description', 'currency', 'fallbackCoordinates', 'locations'];

const isCoordinate = (value: unknown, limit: number): boolean => typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= limit;

/** What the engine's location schema does not check: the fields routing owns or reads differently. */
function networkIssues(document: Record<string, unknown>): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const key of Object.keys(document)) {
    if (!KNOWN_FIELDS.includes(key)) issues.push({ path: `/${key}`, message: `is not a known field (expected ${KNOWN_FIELDS.join(', ')})` });
  }
  if (document['currency'] !== undefined && (typeof document['currency'] !== 'string' || !/^[A-Z]{3}$/.test(document['currency']))) {
    issues.push({ path: '/currency', message: 'must be an ISO 4217 code such as EUR' });
  }
  const fallback = document['fallbackCoordinates'];
  if (fallback !== undefined && !isObject(fallback)) issues.push({ path: '/fallbackCoordinates', message: 'must be an object of country code → {lat, lon}' });
  if (isObject(fallback)) {
    for (const [country, point] of Object.entries(fallback)) {
      const path = `/fallbackCoordinates/${country}`;
      if (!/^[A-Z]{2,3}$/.test(country)) issues.push({ path, message: 'is not an ISO 3166 country code such as GB' });
      if (!isObject(point) || !isCoordinate(point['lat'], 90) || !isCoordinate(point['lon'], 180) || Object.keys(point).length !== 2) {
        issues.push({ path, message: 'must be {"lat": -90..90, "lon": -180..180}' });
      }
    }
  }
  const locations = document['locations'];
  if (Array.isArray(locations)) {
    locations.forEach((location: unknown, i) => {
      if (!isObject(location)) return;
      if (location['usedToday'] !== undefined) {
        issues.push({ path: `/locations/${i}/usedToday`, message: "is counted by routing from its own decisions: remove it from the network file" });
      }
      const cutoffs = location['cutoffs'];
      if (isObject(cutoffs)) {
        for (const level of Object.keys(cutoffs)) {
          if (!SERVICE_LEVELS.includes(level as ServiceLevel)) {
            issues.push({ path: `/locations/${i}/cutoffs/${level}`, message: `is not a service level (${SERVICE_LEVELS.join(', ')})` });
          }
        }
      }
    });
  }
  return issues;
}

/** Validates a parsed network document; every mistake is reported with its JSON path. */
export function validateNetwork(document: unknown): Validated<NetworkConfig> {
  if (!isObject(document)) return { ok: false, issues: [{ path: '/', message: 'must be an object with "locations"' }] };
  const own = networkIssues(document);
  // The engine's scenario validator checks locations exactly as the engine reads them (ranges, ids unique, cutoffs).
  const engine = validateScenario({ locations: document['locations'], stock: [], orders: [] });
  const issues = [...own, ...(engine.ok ? [] : engine.issues)];
  if (issues.length > 0 || !engine.ok) return { ok: false, issues };
  return {
    ok: true,
    value: {
      ...(typeof document['description'] === 'string' ? { description: document['description'] } : {}),
      currency: (document['currency'] as string | undefined) ?? 'EUR',
      fallbackCoordinates: (document['fallbackCoordinates'] as Record<string, GeoPoint> | undefined) ?? {},
      locations: engine.value.locations,
    },
  };
}

/** Reads and validates the network file (JSON or YAML). */
export function readNetworkFile(path: string): NetworkConfig {
  return readConfigFile('NETWORK_FILE', path, 'network', validateNetwork).value;
}

export type StoredNetwork = NetworkConfig & { readonly loadedFrom: string; readonly loadedAt: string };

/** The network tables of the routing schema. */
export class NetworkStore {
  /** Replaces the whole network in the caller's transaction: locations not in `config` are removed. */
  async replace(em: EntityManager, config: NetworkConfig, loadedFrom: string): Promise<void> {
    // Instances starting together load one after the other.
    await em.query(`SELECT pg_advisory_xact_lock(hashtextextended('switchyard.routing.network', 0))`);
    const ids = config.locations.map((location) => location.id);
    await em.query(`DELETE FROM routing.locations WHERE NOT (location_id = ANY($1::text[]))`, [ids]);
    await em.query(
      `INSERT INTO routing.locations (location_id, position, definition, loaded_from)
       SELECT id, position, definition, $4 FROM unnest($1::text[], $2::int[], $3::jsonb[]) AS l(id, position, definition)
       ON CONFLICT (location_id) DO UPDATE SET position = EXCLUDED.position, definition = EXCLUDED.definition,
         loaded_from = EXCLUDED.loaded_from, loaded_at = now()`,
      [ids, ids.map((_, i) => i), config.locations.map((location) => JSON.stringify(location)), loadedFrom],
    );
    await em.query(
      `INSERT INTO routing.network_settings (singleton, currency, fallback_coordinates, description, loaded_from) VALUES (true, $1, $2, $3, $4)
       ON CONFLICT (singleton) DO UPDATE SET currency = EXCLUDED.currency, fallback_coordinates = EXCLUDED.fallback_coordinates,
         description = EXCLUDED.description, loaded_from = EXCLUDED.loaded_from, loaded_at = now()`,
      [config.currency, JSON.stringify(config.fallbackCoordinates), config.description ?? null, loadedFrom],
    );
  }

  /** The loaded network, locations in file order (the order explanations list them in). */
  async load(em: EntityManager): Promise<StoredNetwork> {
    const [settings]: { currency: string; fallback_coordinates: Record<string, GeoPoint>; description: string | null; loaded_from: string; loaded_at: Date }[] =
      await em.query(`SELECT currency, fallback_coordinates, description, loaded_from, loaded_at FROM routing.network_settings`);
    if (!settings) throw new Error('routing has no network loaded: NETWORK_FILE is loaded at start, so the service did not start properly');
    const rows: { definition: Location }[] = await em.query(`SELECT definition FROM routing.locations ORDER BY position`);
    return {
      ...(settings.description !== null ? { description: settings.description } : {}),
      currency: settings.currency,
      fallbackCoordinates: settings.fallback_coordinates,
      locations: rows.map((row) => row.definition),
      loadedFrom: settings.loaded_from,
      loadedAt: settings.loaded_at.toISOString(),
    };
  }

  /**
   * Locks the shipping locations (in id order, so decisions never wait on each other in a cycle) and returns those
   * whose capacity for the day a concurrent decision used up after this one counted it.
   */
  async overbooked(em: EntityManager, shipments: readonly { location: Location; localDay: string }[]): Promise<string[]> {
    const limited = shipments.filter((s) => s.location.dailyCapacity !== undefined);
    if (limited.length === 0) return [];
    await em.query(`SELECT location_id FROM routing.locations WHERE location_id = ANY($1::text[]) ORDER BY location_id FOR UPDATE`, [limited.map((s) => s.location.id)]);
    const planned = await this.shipmentsPlanned(em, limited.map((s) => ({ locationId: s.location.id, localDay: s.localDay })));
    return limited.filter((s) => (planned.get(s.location.id) ?? 0) >= (s.location.dailyCapacity ?? Infinity)).map((s) => s.location.id);
  }

  /**
   * Shipments routing planned per location on the given local days: the capacity its own decisions used, less the
   * shipments given back because their plan did not go ahead (capacity.ts).
   */
  async shipmentsPlanned(em: EntityManager, days: readonly { locationId: string; localDay: string }[]): Promise<Map<string, number>> {
    if (days.length === 0) return new Map();
    const rows: { location_id: string; shipments: number }[] = await em.query(
      `SELECT s.location_id, count(*)::int AS shipments
       FROM routing.planned_shipments s JOIN unnest($1::text[], $2::date[]) AS d(location_id, local_day)
         ON s.location_id = d.location_id AND s.local_day = d.local_day
       WHERE s.released_at IS NULL
       GROUP BY s.location_id`,
      [days.map((d) => d.locationId), days.map((d) => d.localDay)],
    );
    return new Map(rows.map((row) => [row.location_id, row.shipments]));
  }
}

const MS_PER_DAY = 86_400_000;

/** The calendar day (YYYY-MM-DD) at a location at `epochMs`: its capacity is counted per local day. */
export function localDayAt(location: Location, epochMs: number): string {
  return civilFromDays(Math.floor((epochMs + (location.utcOffsetMinutes ?? 0) * 60_000) / MS_PER_DAY));
}
