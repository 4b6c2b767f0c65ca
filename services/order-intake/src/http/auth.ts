import { CanActivate, createParamDecorator, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { SERVICE_SETTINGS } from '@switchyard/service-kit';
import { DataSource } from 'typeorm';
import { sameDigest, sha256 } from '../channels/api-keys';
import { ChannelRegistry } from '../channels/channel-registry';
import type { OrderIntakeSettings } from '../order-intake.settings';
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

/** The admin endpoints: the operator key from OPERATOR_API_KEY; without one configured they do not exist (404). */
@Injectable()
export class OperatorAuthGuard implements CanActivate {
  private readonly operatorDigest: Buffer | undefined;

  constructor(@Inject(SERVICE_SETTINGS) settings: OrderIntakeSettings) {
    this.operatorDigest = settings.OPERATOR_API_KEY === undefined ? undefined : sha256(settings.OPERATOR_API_KEY);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.operatorDigest) throw problem(404, '', 'not found');
    const key = presentedKey(context.switchToHttp().getRequest<AuthenticatedRequest>());
    if (!key) unauthorized(context, 'the operator key is required');
    if (!sameDigest(sha256(key), this.operatorDigest)) unauthorized(context, 'the operator key is not valid');
    return true;
  }
}
