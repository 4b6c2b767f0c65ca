// The routing engine: pure functions from (order, network, ATP, ruleset) to a plan and its explanation.
export * from './model';
export * from './ruleset';
export { parseRuleset, validateRuleset } from './ruleset-parse';
export { rulesetSchema, scenarioSchema } from './schemas';
export { parseDocument, formatIssues, type ValidationIssue, type Validated } from './validation';
export { greatCircleKm, EARTH_RADIUS_KM } from './geo';
export { parseInstant, civilFromDays } from './time';
export { buildCandidates, type Candidate, type CandidateSet, type Demand, type DeliveryEstimate, type Exclusion, type ExclusionRule, type DecisionContext } from './candidates';
export { searchPlans, priceAllocation, type SearchProblem, type SearchOutcome, type PlanChoice, type Objective } from './search';
export { greedyPlan, type GreedyPlan } from './greedy';
export { planCost } from './explain';
export * from './decision';
export { routeOrder, isPriorityOrder, backOrderPolicyFor, type RoutingRequest } from './route';
export { reserveDecision, takeCapacity } from './reserve';
export * from './scenario';
