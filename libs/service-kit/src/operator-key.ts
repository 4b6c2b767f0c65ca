import { createHash, timingSafeEqual } from 'node:crypto';
import { CanActivate, ExecutionContext, Inject, Injectable, ServiceUnavailableException, Type, UnauthorizedException } from '@nestjs/common';
import { SERVICE_SETTINGS } from './start-service';

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * A guard for operator endpoints: `Authorization: Bearer <key>`, the key being the service setting `setting`,
 * compared in constant time (as SHA-256 digests, so lengths leak nothing). Without the setting the endpoints
 * are off and answer 503 with `offMessage`.
 */
export function operatorKeyGuard(setting: string, offMessage: string): Type<CanActivate> {
  @Injectable()
  class OperatorKeyGuard implements CanActivate {
    constructor(@Inject(SERVICE_SETTINGS) private readonly settings: Readonly<Record<string, unknown>>) {}

    canActivate(context: ExecutionContext): boolean {
      const key = this.settings[setting];
      if (typeof key !== 'string') throw new ServiceUnavailableException(offMessage);
      const header = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>().headers['authorization'] ?? '';
      const presented = /^Bearer (\S+)$/.exec(header)?.[1];
      if (presented === undefined || !timingSafeEqual(digest(presented), digest(key))) {
        throw new UnauthorizedException(`send the operator key as "Authorization: Bearer <${setting}>"`);
      }
      return true;
    }
  }
  return OperatorKeyGuard;
}
