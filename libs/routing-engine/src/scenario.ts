import type { Shipment, UnfulfilledLine, Explanation, RoutingDecision } from './decision';
import { atpFromRecords, type Location, type Order, type StockRecord } from './model';
import { reserveDecision, takeCapacity } from './reserve';
import { routeOrder } from './route';
import { DEFAULT_RULESET, type Ruleset, type RulesetInput } from './ruleset';
import { validateRuleset } from './ruleset-parse';
import { scenarioSchema } from './schemas';
import { parseInstant } from './time';
import { schemaValidator, type Validated, type ValidationIssue } from './validation';

// A scenario file: a network, its stock, a ruleset and orders, decided in sequence as if each plan
// had been reserved. What operations use to try a ruleset before publishing it.

export type ScenarioOrder = Order & { readonly now?: string };

export type ScenarioInput = {
  readonly description?: string;
  readonly now?: string;
  readonly locations: readonly Location[];
  readonly stock: readonly StockRecord[];
  readonly ruleset?: RulesetInput;
  readonly orders: readonly ScenarioOrder[];
};

export type Scenario = Omit<ScenarioInput, 'ruleset'> & { readonly ruleset: Ruleset };

export type ScenarioOutcome = 'routed' | 'partially-routed' | 'held' | 'cancelled';

export type ScenarioResult = {
  readonly orderId: string;
  readonly outcome: ScenarioOutcome;
  readonly totalCost: number;
  readonly shipments: readonly Shipment[];
  /** Lines that do not ship now, with their reason; every line when the order is unroutable. */
  readonly unfulfilled: readonly UnfulfilledLine[];
  readonly explanation: Explanation;
};

const validateShape = schemaValidator<ScenarioInput>(scenarioSchema);

/** Names the order and line a JSON pointer points into, so a message can say which one. */
const withContext = (input: ScenarioInput, issue: ValidationIssue): ValidationIssue => {
  const match = /^\/orders\/(\d+)(?:\/lines\/(\d+))?/.exec(issue.path);
  if (!match) return issue;
  const order = input.orders?.[Number(match[1])] as { id?: unknown } | undefined;
  const orderName = typeof order?.id === 'string' ? `order ${order.id}` : `order #${Number(match[1]) + 1}`;
  const line = match[2] === undefined ? '' : `, line ${Number(match[2]) + 1}`;
  return { ...issue, message: `${issue.message} (${orderName}${line})` };
};

const referenceIssues = (input: ScenarioInput, ruleset: Ruleset): ValidationIssue[] => {
  const issues: ValidationIssue[] = [];
  const locationIds = new Set<string>();
  input.locations.forEach((location, i) => {
    if (locationIds.has(location.id)) issues.push({ path: `/locations/${i}/id`, message: `"${location.id}" is used by an earlier location: ids must be unique` });
    locationIds.add(location.id);
  });
  const stockKeys = new Set<string>();
  input.stock.forEach((record, i) => {
    if (!locationIds.has(record.locationId)) issues.push({ path: `/stock/${i}/locationId`, message: `"${record.locationId}" is not the id of any location in /locations` });
    const key = `${record.sku}@${record.locationId}`;
    if (stockKeys.has(key)) issues.push({ path: `/stock/${i}`, message: `${key} already has a stock record: give one record per SKU and location` });
    stockKeys.add(key);
  });
  ruleset.locationRanking.forEach((id, i) => {
    if (!locationIds.has(id)) issues.push({ path: `/ruleset/locationRanking/${i}`, message: `"${id}" is not the id of any location in /locations` });
  });
  for (const id of Object.keys(ruleset.priority.reserve.byLocation)) {
    if (!locationIds.has(id)) issues.push({ path: `/ruleset/priority/reserve/byLocation/${id}`, message: `"${id}" is not the id of any location in /locations` });
  }
  if (input.now !== undefined && parseInstant(input.now) === undefined) {
    issues.push({ path: '/now', message: `"${input.now}" is not an ISO-8601 date-time such as 2026-11-27T06:25:00Z` });
  }
  const orderIds = new Set<string>();
  input.orders.forEach((order, i) => {
    if (orderIds.has(order.id)) issues.push({ path: `/orders/${i}/id`, message: `"${order.id}" is used by an earlier order: ids must be unique` });
    orderIds.add(order.id);
    const skus = new Map<string, number>();
    order.lines.forEach((line, j) => {
      const first = skus.get(line.sku);
      if (first !== undefined) issues.push({ path: `/orders/${i}/lines/${j}/sku`, message: `repeats ${line.sku} of line ${first + 1}: merge lines of the same SKU into one` });
      else skus.set(line.sku, j);
    });
    for (const field of ['now', 'promisedDate'] as const) {
      const text = order[field];
      if (text !== undefined && parseInstant(text) === undefined) {
        issues.push({ path: `/orders/${i}/${field}`, message: `"${text}" is not an ISO-8601 date or date-time such as 2026-11-28` });
      }
    }
  });
  return issues;
};

/** Validates a parsed scenario document: its shape, its ruleset and the references between its parts. */
export const validateScenario = (value: unknown): Validated<Scenario> => {
  const shape = validateShape(value);
  const input = value as ScenarioInput;
  if (!shape.ok) return { ok: false, issues: shape.issues.map((issue) => withContext(input, issue)) };
  const ruleset = input.ruleset === undefined ? { ok: true as const, value: DEFAULT_RULESET } : validateRuleset(input.ruleset, '/ruleset');
  if (!ruleset.ok) return ruleset;
  const issues = referenceIssues(input, ruleset.value).map((issue) => withContext(input, issue));
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: { ...input, ruleset: ruleset.value } };
};

const outcomeOf = (decision: RoutingDecision): ScenarioOutcome => {
  if (decision.type === 'OrderUnroutable') return decision.disposition;
  return decision.unfulfilled.length > 0 ? 'partially-routed' : 'routed';
};

export const toScenarioResult = (decision: RoutingDecision): ScenarioResult =>
  decision.type === 'OrderRouted'
    ? {
        orderId: decision.orderId,
        outcome: outcomeOf(decision),
        totalCost: decision.plan.cost.total,
        shipments: decision.plan.shipments,
        unfulfilled: decision.unfulfilled,
        explanation: decision.explanation,
      }
    : { orderId: decision.orderId, outcome: outcomeOf(decision), totalCost: 0, shipments: [], unfulfilled: decision.lines, explanation: decision.explanation };

/** Decides every order in sequence, each against the ATP and capacity the plans before it left. */
export const runScenario = (scenario: Scenario): RoutingDecision[] => {
  let atp = atpFromRecords(scenario.stock);
  let network = { locations: scenario.locations };
  return scenario.orders.map((scenarioOrder) => {
    const { now: orderNow, ...order } = scenarioOrder;
    const nowText = orderNow ?? scenario.now;
    const now = nowText === undefined ? undefined : parseInstant(nowText);
    const decision = routeOrder({ order, network, atp, ruleset: scenario.ruleset, ...(now !== undefined ? { now } : {}) });
    atp = reserveDecision(atp, decision);
    network = takeCapacity(network, decision);
    return decision;
  });
};
