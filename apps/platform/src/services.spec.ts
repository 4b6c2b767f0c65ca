import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { demoNetwork } from './demo/network';
import { servicePlans } from './services';

describe('the platform services', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-plans-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs every service once and one adapter per demo carrier, each with its own name, consumer group and schema', () => {
    const plans = servicePlans({ DATABASE_URL: 'postgres://x@127.0.0.1/db' }, dir);
    const names = plans.map((p) => p.definition.name);
    expect(new Set(names).size).toBe(plans.length);
    expect(new Set(plans.map((p) => p.definition.schema)).size).toBe(plans.length);
    expect(names).toEqual(
      expect.arrayContaining(['order-intake', 'orchestrator', 'inventory', 'routing', 'carrier', 'warehouse-simulator', 'notification', ...demoNetwork.carriers.map((c) => `carrier-${c.carrierId}`)]),
    );
    const adapters = plans.filter((p) => p.folder === 'carrier-tablerate');
    expect(adapters.map((a) => a.definition.consumes)).toEqual(demoNetwork.carriers.map((c) => [`carrier.adapter.requests.${c.carrierId}`]));
    expect(plans.every((p) => p.env['DATABASE_URL'] === 'postgres://x@127.0.0.1/db')).toBe(true);
  });
});
