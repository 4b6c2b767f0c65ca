import { parsingCanonicalForm } from './canonical-form';
import { AvroSchema } from './schema';

// The spec's "Schema Fingerprints": CRC-64-AVRO (Rabin) with this empty value, reflected table.
const EMPTY = 0xc15d213aa4d7a795n;
const MASK = 0xffffffffffffffffn;

const TABLE: readonly bigint[] = Array.from({ length: 256 }, (_, index) => {
  let fp = BigInt(index);
  for (let bit = 0; bit < 8; bit++) fp = (fp >> 1n) ^ (EMPTY & -(fp & 1n) & MASK);
  return fp;
});

/** CRC-64-AVRO of some bytes, as an unsigned 64-bit value. */
export function rabin64(bytes: Uint8Array): bigint {
  let fp = EMPTY;
  for (const byte of bytes) fp = (fp >> 8n) ^ TABLE[Number((fp ^ BigInt(byte)) & 0xffn)];
  return fp;
}

/** The schema's 64-bit fingerprint: CRC-64-AVRO of its Parsing Canonical Form (unsigned; Java shows it as a signed long). */
export function fingerprint64(schema: AvroSchema): bigint {
  return rabin64(Buffer.from(parsingCanonicalForm(schema), 'utf8'));
}

/** The fingerprint as it stands on the wire in single-object encoding: 8 bytes, little-endian. */
export function fingerprintBytes(fingerprint: bigint): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64LE(fingerprint);
  return bytes;
}

/** The fingerprint as 16 hex digits in wire byte order, the way `kcat` or `xxd` show it. */
export function fingerprintHex(schema: AvroSchema): string {
  return fingerprintBytes(fingerprint64(schema)).toString('hex');
}
