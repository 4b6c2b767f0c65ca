// Operator tool for channels and their API keys, on the service's database (DATABASE_URL):
//   node -r @swc-node/register services/order-intake/src/cli/channels.ts create web-de --market DE
import type { BackOrderPolicy } from '@switchyard/contracts';
import { ChannelRegistry, ChannelRegistryError } from '../channels/channel-registry';
import { BACK_ORDER_POLICIES } from '../intake/read-order';
import { options, runCli, UsageError } from './database';

const USAGE = `usage: node -r @swc-node/register services/order-intake/src/cli/channels.ts <command>
  create <channelId> [--market <market>] [--back-order-policy ${BACK_ORDER_POLICIES.join('|')}]
                                registers a channel and prints its first API key (shown once)
  add-key <channelId>           issues another key for the channel (rotation)
  revoke-key <keyId>            revokes a key (the part between "syk_" and ".")
  list                          channels and their active key ids
DATABASE_URL names the service's database.`;

const registry = new ChannelRegistry();

function printKey(channelId: string, keyId: string, apiKey: string): string {
  return [`channel: ${channelId}`, `key id:  ${keyId}`, `API key: ${apiKey}`, 'Give the API key to the channel now: it is not shown again, and only its hash is stored.'].join('\n');
}

runCli(USAGE, async (args, dataSource) => {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case 'create': {
        const { positional, named } = options(rest, ['market', 'back-order-policy']);
        if (positional.length !== 1) throw new UsageError('create needs exactly one channel id');
        const policy = named.get('back-order-policy');
        if (policy !== undefined && !BACK_ORDER_POLICIES.includes(policy as BackOrderPolicy)) throw new UsageError(`--back-order-policy must be one of ${BACK_ORDER_POLICIES.join(', ')}`);
        const created = await dataSource.transaction((em) =>
          registry.create(em, { channelId: positional[0], defaultMarket: named.get('market') ?? null, defaultBackOrderPolicy: policy as BackOrderPolicy | undefined }),
        );
        return printKey(created.channel.channelId, created.keyId, created.apiKey);
      }
      case 'add-key': {
        if (rest.length !== 1) throw new UsageError('add-key needs exactly one channel id');
        const key = await dataSource.transaction((em) => registry.issueKey(em, rest[0]));
        return printKey(rest[0], key.keyId, key.apiKey);
      }
      case 'revoke-key': {
        if (rest.length !== 1) throw new UsageError('revoke-key needs exactly one key id');
        if (!(await registry.revokeKey(dataSource.manager, rest[0]))) throw new UsageError(`no active key ${rest[0]}`);
        return `key ${rest[0]} revoked`;
      }
      case 'list': {
        const channels = await registry.list(dataSource.manager);
        return channels.length === 0 ? 'no channels' : channels.map((c) => `${c.channelId}\tkeys: ${c.activeKeyIds.join(', ') || 'none'}`).join('\n');
      }
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (error) {
    throw error instanceof ChannelRegistryError ? new UsageError(error.message) : error;
  }
});
