import { parseRuleset, validateRuleset } from './ruleset-parse';
import { DEFAULT_RULESET } from './ruleset';

describe('rulesets: readable YAML or JSON, validated with the path and reason of every mistake', () => {
  it('given an operations YAML ruleset, when parsed, then every field is read and the rest defaulted', () => {
    const parsed = parseRuleset(`
id: uk-ranked
version: 4
strategy: ranked
criteria: [minimiseShipments, stayInMarket, closest]
maxShipments: 2
splitPenalty: 3.5
backOrder:
  policy: ship-available
  byChannel: { marketplace: cancel-unavailable }
`);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value).toMatchObject({
      id: 'uk-ranked',
      version: 4,
      strategy: 'ranked',
      criteria: ['minimiseShipments', 'stayInMarket', 'closest'],
      maxShipments: 2,
      splitPenalty: 3.5,
      splitLines: DEFAULT_RULESET.splitLines,
      costModel: DEFAULT_RULESET.costModel,
      backOrder: { policy: 'ship-available', byChannel: { marketplace: 'cancel-unavailable' }, splitMaxShipments: 5 },
    });
  });

  it('given the same ruleset as JSON, when parsed, then it reads the same', () => {
    const json = parseRuleset('{ "id": "uk-ranked", "strategy": "ranked", "criteria": ["closest"] }');
    expect(json.ok && json.value.criteria).toEqual(['closest']);
  });

  it.each([
    [{ strategy: 'cheapest' }, '/strategy', 'must be one of "cost", "ranked"'],
    [{ splitPenalty: -1 }, '/splitPenalty', 'must be >= 0'],
    [{ splitPenality: 1 }, '/splitPenality', 'is not a known field (check the spelling against the schema)'],
    [{ maxShipments: 1.5 }, '/maxShipments', 'must be integer'],
    [{ criteria: ['closest', 'closest'] }, '/criteria', 'lists the same value twice (items 1 and 2): remove one'],
    [{ criteria: ['nearest'] }, '/criteria/0', expect.stringContaining('must be one of "minimiseShipments"')],
    [{ transit: { EXPRESS: { minDays: 1 } } }, '/transit/EXPRESS/kmPerDay', 'is required but missing'],
    [{ backOrder: { policy: 'wait' } }, '/backOrder/policy', expect.stringContaining('"hold", "ship-available", "split", "cancel-unavailable"')],
    [{ maxShipments: 4, backOrder: { splitMaxShipments: 2 } }, '/backOrder/splitMaxShipments', expect.stringContaining('must be at least maxShipments (4)')],
    [{ strategy: 'ranked', criteria: ['locationPriority'] }, '/locationRanking', expect.stringContaining('needs the ranked location ids')],
  ])('given %j, when validated, then it is rejected at %s', (input, path, message) => {
    const result = validateRuleset(input);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues).toContainEqual({ path, message });
  });

  it('given a ruleset inside a scenario, when validated, then paths are prefixed with where it sits', () => {
    const result = validateRuleset({ splitPenalty: -1 }, '/ruleset');
    expect(!result.ok && result.issues).toEqual([{ path: '/ruleset/splitPenalty', message: 'must be >= 0' }]);
  });

  it('given text that is neither JSON nor YAML, when parsed, then the error gives the line and column', () => {
    const result = parseRuleset('strategy: cost\n  maxShipments: [1,\n');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues[0].path).toMatch(/^line \d+, column \d+$/);
  });
});
