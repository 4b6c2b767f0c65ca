import { formatIssues, validateRuleset, type Ruleset, type ValidationIssue } from '@switchyard/routing-engine';
import { EntityManager } from 'typeorm';
import { isObject, readConfigFile } from './config-file';

// Rulesets are versioned data: every published version is kept; the highest version of an id is the active one.

export const RULESET_ID = /^[A-Za-z0-9._-]{1,100}$/;

export type RulesetVersion = {
  readonly rulesetId: string;
  readonly version: number;
  readonly body: Record<string, unknown>;
  readonly publishedAt: string;
  readonly publishedBy: string;
};

export type PublishOutcome =
  | { readonly ok: true; readonly published: RulesetVersion }
  | { readonly ok: false; readonly status: 400 | 409; readonly issues: readonly ValidationIssue[] };

type Row = { ruleset_id: string; version: number; body: Record<string, unknown>; published_at: Date; published_by: string };

const toVersion = (row: Row): RulesetVersion => ({
  rulesetId: row.ruleset_id,
  version: row.version,
  body: row.body,
  publishedAt: row.published_at.toISOString(),
  publishedBy: row.published_by,
});

/** The seed ruleset file's document, with its id and version filled in (an empty file is the engine's default ruleset). */
export function readRulesetFile(path: string): Record<string, unknown> {
  const { document, value } = readConfigFile('RULESET_FILE', path, 'ruleset', (d) => validateRuleset(d));
  return { ...(isObject(document) ? document : {}), id: value.id, version: value.version };
}

export class RulesetStore {
  // Validated rulesets by id@version: a published version never changes, so it is completed once.
  private readonly completed = new Map<string, Ruleset>();

  /**
   * Publishes the file's ruleset when its id has no version yet, or when the file carries a higher version than the
   * active one (so a ruleset kept in version control is rolled out by raising its version); otherwise the active
   * version stays.
   */
  async seed(em: EntityManager, document: Record<string, unknown>, source: string): Promise<RulesetVersion> {
    const rulesetId = String(document['id']);
    await this.lock(em, rulesetId);
    const active = await this.active(em, rulesetId);
    if (active && active.version >= Number(document['version'])) return active;
    const rows: Row[] = await em.query(
      `INSERT INTO routing.rulesets (ruleset_id, version, body, published_by) VALUES ($1, $2, $3, $4) RETURNING *`,
      [rulesetId, document['version'], JSON.stringify(document), `seed:${source}`],
    );
    return toVersion(rows[0]);
  }

  /**
   * Validates `body` with the engine's ruleset schema and publishes it as the next version of `rulesetId`.
   * A `version` in the body must be that next version (so two operators editing at once cannot overwrite each other).
   */
  async publish(em: EntityManager, rulesetId: string, body: unknown, publishedBy: string): Promise<PublishOutcome> {
    if (!isObject(body)) return { ok: false, status: 400, issues: [{ path: '/', message: 'must be a JSON object: the ruleset (see docs/ruleset.schema.json)' }] };
    if (body['id'] !== undefined && body['id'] !== rulesetId) {
      return { ok: false, status: 400, issues: [{ path: '/id', message: `is ${JSON.stringify(body['id'])} but the URL publishes ruleset "${rulesetId}": leave it out or make them equal` }] };
    }
    await this.lock(em, rulesetId);
    const [{ latest }]: { latest: number | null }[] = await em.query(`SELECT max(version) AS latest FROM routing.rulesets WHERE ruleset_id = $1`, [rulesetId]);
    const next = (latest ?? 0) + 1;
    if (body['version'] !== undefined && body['version'] !== next) {
      return {
        ok: false,
        status: 409,
        issues: [{ path: '/version', message: `is ${JSON.stringify(body['version'])} but the next version of "${rulesetId}" is ${next}: reload the active version, or leave version out` }],
      };
    }
    const document = { ...body, id: rulesetId, version: next };
    const checked = validateRuleset(document);
    if (!checked.ok) return { ok: false, status: 400, issues: checked.issues };
    const rows: Row[] = await em.query(
      `INSERT INTO routing.rulesets (ruleset_id, version, body, published_by) VALUES ($1, $2, $3, $4) RETURNING *`,
      [rulesetId, next, JSON.stringify(document), publishedBy],
    );
    return { ok: true, published: toVersion(rows[0]) };
  }

  async active(em: EntityManager, rulesetId: string): Promise<RulesetVersion | undefined> {
    const rows: Row[] = await em.query(`SELECT * FROM routing.rulesets WHERE ruleset_id = $1 ORDER BY version DESC LIMIT 1`, [rulesetId]);
    return rows[0] ? toVersion(rows[0]) : undefined;
  }

  async history(em: EntityManager, rulesetId: string): Promise<Omit<RulesetVersion, 'body'>[]> {
    const rows: Row[] = await em.query(`SELECT * FROM routing.rulesets WHERE ruleset_id = $1 ORDER BY version`, [rulesetId]);
    return rows.map((row) => {
      const { body: _, ...version } = toVersion(row);
      return version;
    });
  }

  /** The active version of `rulesetId`, completed with the engine's defaults. */
  async activeRuleset(em: EntityManager, rulesetId: string): Promise<Ruleset> {
    const active = await this.active(em, rulesetId);
    if (!active) throw new Error(`ruleset "${rulesetId}" has no published version: RULESET_FILE seeds it at start, so the service did not start properly`);
    const key = `${active.rulesetId}@${active.version}`;
    let ruleset = this.completed.get(key);
    if (!ruleset) {
      const checked = validateRuleset(active.body);
      // Only validated bodies are stored; this guards against hand-edited rows.
      if (!checked.ok) throw new Error(`ruleset ${key} in routing.rulesets is not valid:\n${formatIssues(checked.issues)}`);
      ruleset = checked.value;
      this.completed.set(key, ruleset);
    }
    return ruleset;
  }

  private async lock(em: EntityManager, rulesetId: string): Promise<void> {
    await em.query(`SELECT pg_advisory_xact_lock(hashtextextended('switchyard.routing.ruleset:' || $1, 0))`, [rulesetId]);
  }
}
