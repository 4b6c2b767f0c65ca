import { allows, OperatorKeys, sha256 } from './operator-keys';

const entry = (operatorId: string, role: string, key: string) => `${operatorId}:${role}:${sha256(key).toString('hex')}`;

describe('operator keys: known by their SHA-256 only, each with a role', () => {
  const keys = new OperatorKeys(`${entry('ops-anna', 'operator', 'anna-secret-key-0123456789')}, ${entry('ops-vic', 'viewer', 'vic-secret-key-0123456789')}`);

  it('given configured keys, when a key is presented, then its operator and role are found', () => {
    expect(keys.authenticate('anna-secret-key-0123456789')).toEqual({ operatorId: 'ops-anna', role: 'operator' });
    expect(keys.authenticate('vic-secret-key-0123456789')).toEqual({ operatorId: 'ops-vic', role: 'viewer' });
  });

  it('given configured keys, when an unknown or empty key is presented, then nobody is authenticated', () => {
    expect(keys.authenticate('anna-secret-key-012345678')).toBeUndefined();
    expect(keys.authenticate('')).toBeUndefined();
    expect(new OperatorKeys(undefined).authenticate('anything')).toBeUndefined();
  });

  it('given the roles, then viewers may only read and operators may read and act', () => {
    expect(allows('viewer', 'viewer')).toBe(true);
    expect(allows('viewer', 'operator')).toBe(false);
    expect(allows('operator', 'viewer')).toBe(true);
    expect(allows('operator', 'operator')).toBe(true);
  });

  it('given an entry that is not operatorId:role:sha256hex, then it is refused without echoing it', () => {
    expect(() => new OperatorKeys('ops-anna:admin:plain-text-key')).toThrow('an ORCHESTRATOR_OPERATOR_KEYS entry is not operatorId:role:sha256hex');
    expect(() => new OperatorKeys('ops-anna:admin:plain-text-key')).not.toThrow(/plain-text-key/);
  });
});
