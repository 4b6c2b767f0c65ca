import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// `syk_<key id>.<secret>`: the key id (public, 16 hex digits) finds the row; only a SHA-256 of the secret is stored.
const KEY_FORMAT = /^syk_([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/;

export interface IssuedKey {
  readonly keyId: string;
  /** The whole key: shown once to the operator, never stored or logged. */
  readonly apiKey: string;
  readonly secretSha256: Buffer;
}

/** A new key: 256 random bits of secret, so a plain SHA-256 is a sufficient one-way hash (no password stretching needed). */
export function issueKey(): IssuedKey {
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { keyId, apiKey: `syk_${keyId}.${secret}`, secretSha256: sha256(secret) };
}

/** The key id and the hash of the secret of a key as presented, or undefined when it is not shaped like one of ours. */
export function parseKey(presented: string): { keyId: string; secretSha256: Buffer } | undefined {
  const match = KEY_FORMAT.exec(presented);
  return match ? { keyId: match[1], secretSha256: sha256(match[2]) } : undefined;
}

/** Constant-time comparison of two SHA-256 digests. */
export function sameDigest(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export function sha256(text: string | Buffer): Buffer {
  return createHash('sha256').update(text).digest();
}
