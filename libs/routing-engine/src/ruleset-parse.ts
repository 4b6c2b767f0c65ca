import { completeRuleset, type Ruleset, type RulesetInput } from './ruleset';
import { rulesetSchema } from './schemas';
import { parseDocument, schemaValidator, type Validated, type ValidationIssue } from './validation';

const validateShape = schemaValidator<RulesetInput>(rulesetSchema);

/** Checks the schema can't express. `base` prefixes paths when the ruleset sits inside another document. */
const semanticIssues = (ruleset: Ruleset, base: string): ValidationIssue[] => {
  const issues: ValidationIssue[] = [];
  if (ruleset.backOrder.splitMaxShipments < ruleset.maxShipments) {
    issues.push({
      path: `${base}/backOrder/splitMaxShipments`,
      message: `is ${ruleset.backOrder.splitMaxShipments} but must be at least maxShipments (${ruleset.maxShipments}): the split policy only relaxes limits`,
    });
  }
  if (ruleset.strategy === 'ranked' && ruleset.criteria.includes('locationPriority') && ruleset.locationRanking.length === 0) {
    issues.push({ path: `${base}/locationRanking`, message: 'is empty but the locationPriority criterion needs the ranked location ids' });
  }
  return issues;
};

/** Validates a parsed ruleset document and fills its defaults. */
export const validateRuleset = (value: unknown, base = ''): Validated<Ruleset> => {
  const shape = validateShape(value ?? {});
  if (!shape.ok) return { ok: false, issues: shape.issues.map((i) => ({ ...i, path: `${base}${i.path === '/' ? '' : i.path}` || '/' })) };
  const ruleset = completeRuleset(shape.value);
  const issues = semanticIssues(ruleset, base);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: ruleset };
};

/** Parses ruleset text, JSON or YAML. */
export const parseRuleset = (text: string): Validated<Ruleset> => {
  const document = parseDocument(text);
  return document.ok ? validateRuleset(document.value) : document;
};
