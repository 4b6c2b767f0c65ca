import type { Candidate, CandidateSet } from './candidates';
import type { CandidateReport, CostBreakdown, Explanation, PlanReport, RunnerUpReport } from './decision';
import type { Location } from './model';
import type { Ruleset } from './ruleset';
import type { PlanChoice, SearchOutcome } from './search';

const EPSILON = 1e-9;

/** Money to 4 decimals and distances to 0.1 km in everything the engine publishes. */
export const roundMoney = (value: number): number => Math.round(value * 10_000) / 10_000;
export const roundKm = (value: number): number => Math.round(value * 10) / 10;

/** Handling, shipping and lateness of one shipment of `units` (per demand) from a candidate. */
export const shipmentCost = (candidate: Candidate, units: readonly number[]): Omit<CostBreakdown, 'splitPenalty'> => {
  let shipping = candidate.shippingEstimate;
  units.forEach((u, d) => (shipping += u * candidate.unitCost[d]));
  return { handling: candidate.handlingCost, shipping, lateness: candidate.latenessPenalty, total: candidate.handlingCost + shipping + candidate.latenessPenalty };
};

export const planCost = (candidates: readonly Candidate[], plan: Pick<PlanChoice, 'members' | 'allocation'>, splitPenalty: number): CostBreakdown => {
  const sum = { handling: 0, shipping: 0, splitPenalty: splitPenalty * Math.max(0, plan.members.length - 1), lateness: 0, total: 0 };
  plan.members.forEach((c, m) => {
    const cost = shipmentCost(candidates[c], plan.allocation[m]);
    sum.handling += cost.handling;
    sum.shipping += cost.shipping;
    sum.lateness += cost.lateness;
  });
  sum.total = sum.handling + sum.shipping + sum.splitPenalty + sum.lateness;
  return sum;
};

/** A shipment's costs rounded for publishing. */
export const roundShipmentCost = (cost: Omit<CostBreakdown, 'splitPenalty'>): Omit<CostBreakdown, 'splitPenalty'> => ({
  handling: roundMoney(cost.handling),
  shipping: roundMoney(cost.shipping),
  lateness: roundMoney(cost.lateness),
  total: roundMoney(cost.total),
});

/** A plan's cost breakdown rounded for publishing. */
export const roundBreakdown = (cost: CostBreakdown): CostBreakdown => ({
  handling: roundMoney(cost.handling),
  shipping: roundMoney(cost.shipping),
  splitPenalty: roundMoney(cost.splitPenalty),
  lateness: roundMoney(cost.lateness),
  total: roundMoney(cost.total),
});

const locationsOf = (candidates: readonly Candidate[], plan: PlanChoice): string[] => plan.members.map((c) => candidates[c].location.id);

const planReport = (candidates: readonly Candidate[], plan: PlanChoice, ruleset: Ruleset): PlanReport => {
  const report = { locations: locationsOf(candidates, plan), cost: roundBreakdown(planCost(candidates, plan, ruleset.splitPenalty)), missingUnits: plan.missingUnits };
  if (ruleset.strategy === 'cost') return report;
  return { ...report, scores: Object.fromEntries(ruleset.criteria.map((criterion, i) => [criterion, plan.scores[i]])) };
};

const decidedBy = (ruleset: Ruleset, chosen: PlanChoice, runnerUp: PlanChoice): string => {
  if (chosen.missingUnits !== runnerUp.missingUnits) return 'more units shipped now';
  if (ruleset.strategy === 'cost') {
    if (Math.abs(chosen.cost - runnerUp.cost) > EPSILON) return 'total cost';
  } else {
    const deciding = ruleset.criteria.find((_, i) => Math.abs(chosen.scores[i] - runnerUp.scores[i]) > EPSILON);
    if (deciding) return deciding;
  }
  return chosen.members.length !== runnerUp.members.length ? 'fewer shipments' : 'tie, broken by location order';
};

const COMPONENTS = ['handling', 'shipping', 'splitPenalty', 'lateness'] as const;

const describeDifference = (difference: CostBreakdown): string => {
  const parts = COMPONENTS.filter((k) => Math.abs(difference[k]) >= 0.00005).map((k) => `${k} ${difference[k] > 0 ? '+' : ''}${difference[k].toFixed(2)}`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
};

const summarise = (ruleset: Ruleset, chosen: PlanReport | undefined, runnerUp: RunnerUpReport | undefined): string => {
  if (!chosen) return 'No plan: no eligible location can ship the order under this ruleset.';
  const head = `Ship from ${chosen.locations.join(' + ')} for ${chosen.cost.total.toFixed(2)}`;
  if (!runnerUp) return `${head}; no other plan was possible.`;
  const delta = runnerUp.costDifference.total;
  const costText = `${Math.abs(delta).toFixed(2)} ${delta >= 0 ? 'more' : 'less'}${describeDifference(runnerUp.costDifference)}`;
  const why = ruleset.strategy === 'cost' || runnerUp.decidedBy === 'total cost' ? '' : `, decided by ${runnerUp.decidedBy}`;
  return `${head}; runner-up ${runnerUp.locations.join(' + ')} would cost ${costText}${why}.`;
};

export type ExplainInput = {
  readonly locations: readonly Location[];
  readonly candidateSet: CandidateSet;
  readonly outcome: SearchOutcome;
  readonly ruleset: Ruleset;
  readonly quantities: readonly number[];
  readonly maxNodes: number;
  readonly header: Pick<Explanation, 'backOrderPolicy' | 'priority' | 'limits'>;
};

export const explain = ({ locations, candidateSet, outcome, ruleset, quantities, maxNodes, header }: ExplainInput): Explanation => {
  const { candidates, exclusions } = candidateSet;
  const { best, runnerUp } = outcome;
  const status = new Map<Candidate, 'chosen' | 'runner-up'>();
  runnerUp?.members.forEach((c) => status.set(candidates[c], 'runner-up'));
  best?.members.forEach((c) => status.set(candidates[c], 'chosen'));
  const reports = new Array<CandidateReport | undefined>(locations.length);
  for (const exclusion of exclusions) {
    reports[exclusion.networkIndex] = { locationId: exclusion.location.id, status: 'excluded', rule: exclusion.rule, reason: exclusion.reason };
  }
  for (const candidate of candidates) {
    reports[candidate.networkIndex] = {
      locationId: candidate.location.id,
      status: status.get(candidate) ?? 'candidate',
      distanceKm: roundKm(candidate.distanceKm),
      handlingCost: roundMoney(candidate.handlingCost),
      shippingEstimate: roundMoney(candidate.shippingEstimate),
      latenessPenalty: roundMoney(candidate.latenessPenalty),
      shipmentCost: roundMoney(candidate.fixedCost),
      wholeLines: candidate.atp.filter((atp, d) => atp >= quantities[d]).length,
      estimatedDelivery: candidate.delivery,
    };
  }
  const chosenReport = best ? planReport(candidates, best, ruleset) : undefined;
  let runnerUpReport: RunnerUpReport | undefined;
  if (best && runnerUp && chosenReport) {
    const report = planReport(candidates, runnerUp, ruleset);
    const costDifference = roundBreakdown({
      handling: report.cost.handling - chosenReport.cost.handling,
      shipping: report.cost.shipping - chosenReport.cost.shipping,
      splitPenalty: report.cost.splitPenalty - chosenReport.cost.splitPenalty,
      lateness: report.cost.lateness - chosenReport.cost.lateness,
      total: report.cost.total - chosenReport.cost.total,
    });
    runnerUpReport = { locations: report.locations, cost: report.cost, missingUnits: report.missingUnits, costDifference, decidedBy: decidedBy(ruleset, best, runnerUp) };
    if (report.scores) runnerUpReport = { ...runnerUpReport, scores: report.scores };
  }
  // Absent plans are left out rather than undefined, so stored explanations have no empty keys.
  const explanation: { -readonly [K in keyof Explanation]: Explanation[K] } = {
    strategy: ruleset.strategy,
    ruleset: { id: ruleset.id, version: ruleset.version },
    backOrderPolicy: header.backOrderPolicy,
    priority: header.priority,
    limits: header.limits,
    candidates: reports.filter((report): report is CandidateReport => report !== undefined),
    search: { exact: outcome.exact, nodes: outcome.nodes, maxNodes, examinedUpToShipments: outcome.examinedUpTo },
    summary: summarise(ruleset, chosenReport, runnerUpReport),
  };
  if (chosenReport) explanation.chosen = chosenReport;
  if (runnerUpReport) explanation.runnerUp = runnerUpReport;
  return explanation;
};
