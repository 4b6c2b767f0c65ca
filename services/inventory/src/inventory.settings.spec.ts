import { ConfigurationError, loadConfig } from '@switchyard/service-kit';
import { safetyStockFor } from '@switchyard/inventory-ledger';
import { safetyStockPolicy } from './inventory.module';
import { inventorySettings } from './inventory.settings';

describe('inventory settings', () => {
  it('read the default safety stock and the rules', () => {
    const policy = safetyStockPolicy(loadConfig('service inventory', inventorySettings, { INVENTORY_DEFAULT_SAFETY_STOCK: '2', INVENTORY_SAFETY_STOCK_RULES: 'dc-1=0, SKU-9@dc-1=4' }));
    expect([safetyStockFor(policy, 'SKU-1', 'dc-2'), safetyStockFor(policy, 'SKU-1', 'dc-1'), safetyStockFor(policy, 'SKU-9', 'dc-1')]).toEqual([2, 0, 4]);
  });

  it('default to no safety stock', () => {
    expect(safetyStockFor(safetyStockPolicy(loadConfig('service inventory', inventorySettings, {})), 'SKU-1', 'dc-1')).toBe(0);
  });

  it('stop the start on a malformed or repeated rule, naming the variable', () => {
    expect(() => loadConfig('service inventory', inventorySettings, { INVENTORY_SAFETY_STOCK_RULES: 'dc-1:3' })).toThrow(/INVENTORY_SAFETY_STOCK_RULES must be a comma-separated list of/);
    const repeated = () => safetyStockPolicy(loadConfig('service inventory', inventorySettings, { INVENTORY_SAFETY_STOCK_RULES: 'dc-1=1,dc-1=2' }));
    expect(repeated).toThrow(ConfigurationError);
    expect(repeated).toThrow('INVENTORY_SAFETY_STOCK_RULES: Safety stock rules are wrong: "dc-1=2" repeats the rule for dc-1; keep one.');
  });
});
