// npm run route -- <scenario.json|yaml> [--ruleset <ruleset.yaml>] [--compact]
// npm run route -- --print-schema scenario|ruleset
// Decides every order of a scenario and prints each plan, its cost and its explanation as JSON.
import { readFileSync } from 'node:fs';
import {
  formatIssues,
  parseDocument,
  parseRuleset,
  runScenario,
  rulesetSchema,
  scenarioSchema,
  toScenarioResult,
  validateScenario,
  type ValidationIssue,
} from '../src/index';

const USAGE = `usage: npm run route -- <scenario.json|yaml> [--ruleset <ruleset.json|yaml>] [--compact]
       npm run route -- --print-schema scenario|ruleset`;

class UserError extends Error {}

const fail = (file: string, what: string, issues: readonly ValidationIssue[]): never => {
  throw new UserError(`${file}: ${what}:\n${formatIssues(issues)}\nFix the fields above (schemas: docs/scenario.schema.json, docs/ruleset.schema.json) and run again.`);
};

const readText = (file: string): string => {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UserError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
};

const main = (argv: readonly string[]): number => {
  const args = [...argv];
  const option = (name: string): string | undefined => {
    const at = args.indexOf(name);
    if (at < 0) return undefined;
    const value = args[at + 1];
    if (value === undefined || value.startsWith('--')) throw new UserError(`${name} needs a value\n${USAGE}`);
    args.splice(at, 2);
    return value;
  };
  const flag = (name: string): boolean => {
    const at = args.indexOf(name);
    if (at >= 0) args.splice(at, 1);
    return at >= 0;
  };

  const schema = option('--print-schema');
  if (schema !== undefined) {
    const chosen = { scenario: scenarioSchema, ruleset: rulesetSchema }[schema];
    if (!chosen) throw new UserError(`--print-schema takes "scenario" or "ruleset", not "${schema}"`);
    process.stdout.write(`${JSON.stringify(chosen, null, 2)}\n`);
    return 0;
  }
  const rulesetFile = option('--ruleset');
  const compact = flag('--compact');
  if (args.length !== 1 || args[0].startsWith('--')) throw new UserError(USAGE);
  const scenarioFile = args[0];

  const document = parseDocument(readText(scenarioFile));
  if (!document.ok) return fail(scenarioFile, 'not a readable scenario', document.issues);
  let value = document.value;
  if (rulesetFile !== undefined) {
    const ruleset = parseRuleset(readText(rulesetFile));
    if (!ruleset.ok) return fail(rulesetFile, 'invalid ruleset', ruleset.issues);
    value = { ...(value as object), ruleset: ruleset.value };
  }
  const scenario = validateScenario(value);
  if (!scenario.ok) return fail(scenarioFile, 'invalid scenario', scenario.issues);

  const results = runScenario(scenario.value).map(toScenarioResult);
  const output = { scenario: scenarioFile, ruleset: { id: scenario.value.ruleset.id, version: scenario.value.ruleset.version }, results };
  process.stdout.write(`${JSON.stringify(output, null, compact ? 0 : 2)}\n`);
  return 0;
};

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UserError)) throw error;
  process.stderr.write(`route: ${error.message}\n`);
  process.exitCode = 1;
}
