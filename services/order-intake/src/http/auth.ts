import { CanActivate, createParamDecorator, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { operatorKeyGuard } from '@switchyard/service-kit';
import { DataSource } from 'typeorm';
import { ChannelRegistry } from '../channels/channel-registry';
import { problem } from './problems';

interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  channel?: string;
}

/** `Authorization: Bearer <key>`, or `X-Api-Key: <key>`. */
function presentedKey(request: AuthenticatedRequest): string | undefined {
  const authorization = request.headers['authorization'];
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match?.[1];
  }
  const apiKey = request.headers['x-api-key'];
  return typeof apiKey === 'string' ? apiKey.trim() : undefined;
}

function unauthorized(context: ExecutionContext, what: string): never {
  context.switchToHttp().getResponse<{ setHeader(name: string, value: string): void }>().setHeader('WWW-Authenticate', 'Bearer');
  // One answer for a missing, malformed, unknown or revoked key: it tells nothing about which channels or keys exist.
  throw problem(401, 'Authorization', `${what}: send "Authorization: Bearer <key>" (or "X-Api-Key: <key>") with your channel's API key`);
}

/** Lets a request in with a valid, unrevoked channel API key, and remembers the channel for @AuthenticatedChannel(). */
@Injectable()
export class ChannelAuthGuard implements CanActivate {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(ChannelRegistry) private readonly channels: ChannelRegistry,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const key = presentedKey(request);
    if (!key) unauthorized(context, 'an API key is required');
    const channel = key.length <= 200 ? await this.channels.authenticate(this.dataSource.manager, key) : undefined;
    if (!channel) unauthorized(context, 'the API key is not valid');
    request.channel = channel;
    return true;
  }
}

/** The channel whose key authenticated the request. */
export const AuthenticatedChannel = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const channel = context.switchToHttp().getRequest<AuthenticatedRequest>().channel;
  if (!channel) throw new Error('@AuthenticatedChannel() used on a route without ChannelAuthGuard');
  return channel;
});

/**
 * The admin endpoints: the operator key from OPERATOR_API_KEY, checked by the service kit's guard (as every service's
 * operator endpoints are), from `Authorization: Bearer <key>` or `X-Api-Key: <key>`, answered in intake's error
 * shape. Without a key configured they answer 503 naming the setting.
 */
export const OperatorAuthGuard = operatorKeyGuard('OPERATOR_API_KEY', 'the admin endpoints are off: start order-intake with OPERATOR_API_KEY set', {
  keyHeader: 'X-Api-Key',
  error: (status, message) => problem(status, 'Authorization', message),
});
