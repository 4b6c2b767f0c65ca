import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The real command, as operations run it: `npm run route -- <scenario>` is `tsx libs/routing-engine/cli/route.ts`.
const repoRoot = join(__dirname, '../../..');
const route = (...args: string[]) => {
  const result = spawnSync(process.execPath, [join(repoRoot, 'node_modules/tsx/dist/cli.mjs'), join(__dirname, 'route.ts'), ...args], { cwd: repoRoot, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
};
const scratch = mkdtempSync(join(tmpdir(), 'route-cli-'));
const file = (name: string, text: string) => {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
};

describe('npm run route -- <scenario>', () => {
  it("given the issue's example scenario, then it prints each order's plan, total cost and explanation as JSON", () => {
    const { status, stdout } = route('examples/scenarios/issue-example.json');
    expect(status).toBe(0);
    const output = JSON.parse(stdout);
    expect(output.results).toEqual([
      expect.objectContaining({
        orderId: 'O-1',
        totalCost: expect.any(Number),
        shipments: [expect.objectContaining({ locationId: 'LDN', lines: [{ sku: 'SKU-1', quantity: 2 }] })],
        explanation: expect.objectContaining({ summary: expect.stringContaining('Ship from LDN') }),
      }),
    ]);
  }, 30_000);

  it('given a ruleset file to try, then it replaces the scenario ruleset', () => {
    const { status, stdout } = route('examples/scenarios/uk-network.json', '--ruleset', 'examples/scenarios/uk-ranked.ruleset.yaml', '--compact');
    expect(status).toBe(0);
    expect(JSON.parse(stdout).ruleset).toEqual({ id: 'uk-ranked', version: 1 });
  }, 30_000);

  it('given an invalid scenario, then it names the field, order and line, prints no stack trace and exits 1', () => {
    const bad = file('bad.json', JSON.stringify({ locations: [{ id: 'LDN', lat: 51.5, lon: 0, country: 'GB', handlingCost: 1 }], stock: [], orders: [{ id: 'O-9', channel: 'web', destination: { lat: 53, lon: -2, country: 'GB' }, serviceLevel: 'STANDARD', lines: [{ sku: 'A', quantity: -1 }] }] }));
    const { status, stdout, stderr } = route(bad);
    expect(status).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('/orders/0/lines/0/quantity: must be >= 1 (order O-9, line 1)');
    expect(stderr).not.toMatch(/\n\s+at /);
  }, 30_000);

  it('given an invalid ruleset file, then it says which file and field', () => {
    const { status, stderr } = route('examples/scenarios/issue-example.json', '--ruleset', file('bad.yaml', 'strategy: cheapest\n'));
    expect(status).toBe(1);
    expect(stderr).toMatch(/bad\.yaml: invalid ruleset:\n\s+\/strategy: must be one of "cost", "ranked"/);
  }, 30_000);

  it('given a file that does not exist, then it says so and exits 1', () => {
    const { status, stderr } = route('nowhere.json');
    expect(status).toBe(1);
    expect(stderr).toBe('route: cannot read nowhere.json: ENOENT\n');
  }, 30_000);
});
