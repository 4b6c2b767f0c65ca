import type { BackOrderPolicy } from '@switchyard/contracts';
import { EntityManager } from 'typeorm';
import { SCHEMA } from '../schema';
import { issueKey, parseKey, sameDigest, sha256 } from './api-keys';

export interface Channel {
  readonly channelId: string;
  /** Market of its orders when an order names none; null: the destination's country. */
  readonly defaultMarket: string | null;
  readonly defaultBackOrderPolicy: BackOrderPolicy;
}

export interface NewChannel {
  readonly channelId: string;
  readonly defaultMarket?: string | null;
  readonly defaultBackOrderPolicy?: BackOrderPolicy;
}

export const CHANNEL_ID = /^[a-z0-9][a-z0-9._-]{0,62}$/;
export const DEFAULT_BACK_ORDER_POLICY: BackOrderPolicy = 'HOLD';

export class ChannelRegistryError extends Error {
  override readonly name = 'ChannelRegistryError';

  constructor(
    readonly kind: 'invalid' | 'exists' | 'missing',
    message: string,
  ) {
    super(message);
  }
}

// Compared against when the key id is unknown, so that a wrong key costs the same whether or not its id exists.
const DECOY_DIGEST = sha256('order-intake: no such key');

/**
 * The sales channels allowed to submit orders and their API keys. Used by the HTTP admin endpoints, the
 * operator CLI and test seeding alike, so there is one way to make a channel and a key.
 */
export class ChannelRegistry {
  /** Registers a channel and issues its first key; the key is returned once and only its hash is kept. */
  async create(em: EntityManager, channel: NewChannel): Promise<{ channel: Channel; keyId: string; apiKey: string }> {
    if (!CHANNEL_ID.test(channel.channelId)) {
      throw new ChannelRegistryError('invalid', `channel id ${JSON.stringify(channel.channelId)} is not allowed: use 1 to 63 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit (e.g. web-de)`);
    }
    const inserted: unknown[] = await em.query(
      `INSERT INTO ${SCHEMA}.channels (channel_id, default_market, default_back_order_policy) VALUES ($1, $2, $3) ON CONFLICT (channel_id) DO NOTHING RETURNING channel_id`,
      [channel.channelId, channel.defaultMarket ?? null, channel.defaultBackOrderPolicy ?? DEFAULT_BACK_ORDER_POLICY],
    );
    if (inserted.length === 0) throw new ChannelRegistryError('exists', `channel ${channel.channelId} exists already; issue it another key instead`);
    const key = await this.issueKey(em, channel.channelId);
    return { channel: (await this.find(em, channel.channelId)) as Channel, ...key };
  }

  /** A further key for a channel (key rotation: issue, switch the channel over, then revoke the old one). */
  async issueKey(em: EntityManager, channelId: string): Promise<{ keyId: string; apiKey: string }> {
    if (!(await this.find(em, channelId))) throw new ChannelRegistryError('missing', `no channel ${channelId}; create it first`);
    const key = issueKey();
    await em.query(`INSERT INTO ${SCHEMA}.api_keys (key_id, channel_id, secret_sha256) VALUES ($1, $2, $3)`, [key.keyId, channelId, key.secretSha256]);
    return { keyId: key.keyId, apiKey: key.apiKey };
  }

  /** Revokes a key by its id (the part after `syk_` and before the dot); false when there was no such active key. */
  async revokeKey(em: EntityManager, keyId: string): Promise<boolean> {
    const rows: unknown[] = await em.query(`UPDATE ${SCHEMA}.api_keys SET revoked_at = now() WHERE key_id = $1 AND revoked_at IS NULL RETURNING key_id`, [keyId]);
    return rows.length > 0;
  }

  async find(em: EntityManager, channelId: string): Promise<Channel | undefined> {
    const rows: { channel_id: string; default_market: string | null; default_back_order_policy: BackOrderPolicy }[] = await em.query(
      `SELECT channel_id, default_market, default_back_order_policy FROM ${SCHEMA}.channels WHERE channel_id = $1`,
      [channelId],
    );
    return rows[0] && { channelId: rows[0].channel_id, defaultMarket: rows[0].default_market, defaultBackOrderPolicy: rows[0].default_back_order_policy };
  }

  async list(em: EntityManager): Promise<{ channelId: string; activeKeyIds: string[] }[]> {
    const rows: { channel_id: string; key_ids: string[] }[] = await em.query(
      `SELECT c.channel_id, coalesce(array_agg(k.key_id ORDER BY k.created_at) FILTER (WHERE k.key_id IS NOT NULL), '{}') AS key_ids
         FROM ${SCHEMA}.channels c LEFT JOIN ${SCHEMA}.api_keys k ON k.channel_id = c.channel_id AND k.revoked_at IS NULL
        GROUP BY c.channel_id ORDER BY c.channel_id`,
    );
    return rows.map((row) => ({ channelId: row.channel_id, activeKeyIds: row.key_ids }));
  }

  /** The channel a presented key belongs to, or undefined for a wrong, unknown or revoked key (the caller cannot tell which). */
  async authenticate(em: EntityManager, presented: string): Promise<string | undefined> {
    const parsed = parseKey(presented) ?? { keyId: '', secretSha256: sha256(presented) };
    const rows: { channel_id: string; secret_sha256: Buffer }[] = parsed.keyId
      ? await em.query(`SELECT channel_id, secret_sha256 FROM ${SCHEMA}.api_keys WHERE key_id = $1 AND revoked_at IS NULL`, [parsed.keyId])
      : [];
    const stored = rows[0]?.secret_sha256 ?? DECOY_DIGEST;
    const matches = sameDigest(stored, parsed.secretSha256);
    return matches && rows[0] ? rows[0].channel_id : undefined;
  }
}
