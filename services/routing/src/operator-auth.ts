import { createHash, timingSafeEqual } from 'node:crypto';
import { CanActivate, ExecutionContext, Inject, Injectable, NotFoundException, UnauthorizedException } from '@nestjs/common';
import { SERVICE_SETTINGS } from '@switchyard/service-kit';
import type { RoutingSettings } from './routing.settings';

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

interface OperatorRequest {
  headers: Record<string, string | string[] | undefined>;
}

/**
 * Operator endpoints (publishing rulesets, replacing the network): `Authorization: Bearer <OPERATOR_API_KEY>`.
 * Only the key's SHA-256 digest is kept, compared in constant time; without a key configured they answer 404.
 */
@Injectable()
export class OperatorAuthGuard implements CanActivate {
  private readonly digest: Buffer | undefined;

  constructor(@Inject(SERVICE_SETTINGS) settings: RoutingSettings) {
    this.digest = settings.OPERATOR_API_KEY === undefined ? undefined : sha256(settings.OPERATOR_API_KEY);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.digest) throw new NotFoundException('Operator endpoints are off: set OPERATOR_API_KEY to turn them on.');
    const authorization = context.switchToHttp().getRequest<OperatorRequest>().headers['authorization'];
    const key = typeof authorization === 'string' ? /^Bearer\s+(\S{1,256})\s*$/i.exec(authorization)?.[1] : undefined;
    if (!key) throw new UnauthorizedException('The operator key is required: send "Authorization: Bearer <OPERATOR_API_KEY>".');
    if (!timingSafeEqual(sha256(key), this.digest)) throw new UnauthorizedException('The operator key is not valid.');
    return true;
  }
}

/** Who published: the X-Operator-Id header, recorded with each ruleset version. */
export function operatorIdOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  const value = headers['x-operator-id'];
  if (value === undefined) return 'operator';
  return typeof value === 'string' && /^[\w.@-]{1,100}$/.test(value) ? value : undefined;
}
