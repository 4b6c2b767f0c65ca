import { createHash, timingSafeEqual } from 'node:crypto';
import { OPERATOR_KEY_ENTRY } from '../orchestrator.settings';

export type OperatorRole = 'viewer' | 'operator';

export interface Operator {
  readonly operatorId: string;
  readonly role: OperatorRole;
}

interface KeyEntry extends Operator {
  readonly digest: Buffer;
}

export const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** What each role may do: viewers read, operators also act. */
export const allows = (role: OperatorRole, needed: OperatorRole): boolean => role === 'operator' || needed === 'viewer';

/**
 * Operator API keys, known only by their SHA-256 (ORCHESTRATOR_OPERATOR_KEYS = operatorId:role:sha256hex,…). Keys are
 * long random secrets, so a plain SHA-256 is a sufficient one-way hash; comparison is constant-time and goes over
 * every entry, so timing says nothing about which keys exist.
 */
export class OperatorKeys {
  private readonly entries: readonly KeyEntry[];

  constructor(configured: string | undefined) {
    this.entries = (configured ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0).map((entry) => {
      if (!OPERATOR_KEY_ENTRY.test(entry)) throw new Error('an ORCHESTRATOR_OPERATOR_KEYS entry is not operatorId:role:sha256hex');
      const [operatorId, role, hex] = entry.split(':') as [string, OperatorRole, string];
      return { operatorId, role, digest: Buffer.from(hex, 'hex') };
    });
  }

  get configured(): boolean {
    return this.entries.length > 0;
  }

  authenticate(presented: string): Operator | undefined {
    const digest = sha256(presented);
    let found: KeyEntry | undefined;
    for (const entry of this.entries) if (timingSafeEqual(entry.digest, digest) && !found) found = entry;
    return found ? { operatorId: found.operatorId, role: found.role } : undefined;
  }
}
