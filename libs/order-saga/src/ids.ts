import { createHash } from 'node:crypto';

// Fixed namespace of the order saga's derived event ids (RFC 9562 name-based UUIDs).
const SAGA_NAMESPACE = Buffer.from('6f1d0c2a5b8e4c31a7f09d3e2b4c5a61', 'hex');

/**
 * The id of the `index`-th event the saga emits for one input of one order: a UUIDv5 of
 * (order, input id, index), so deciding the same input on the same state gives the same ids.
 */
export function derivedEventId(orderId: string, inputId: string, index: number): string {
  const hash = createHash('sha1').update(SAGA_NAMESPACE).update(`${orderId}\u0000${inputId}\u0000${index}`).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
