import { createHash, timingSafeEqual } from 'node:crypto';
import {
  CanActivate,
  ExecutionContext,
  HttpException,
  Inject,
  Injectable,
  ServiceUnavailableException,
  Type,
  UnauthorizedException,
} from '@nestjs/common';
import { SERVICE_SETTINGS } from './start-service';

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** What a service may add to the operator-key guard; every service shares the rest (the check, the statuses). */
export interface OperatorKeyGuardOptions {
  /**
   * Another header that may carry the key on its own, e.g. `X-Api-Key` (for a service that documented it). It is
   * read only when the request has no `Authorization` header.
   */
  readonly keyHeader?: string;
  /** The service's own error body for the 401 and 503 answers; Nest's `{ statusCode, message, error }` without it. */
  readonly error?: (status: 401 | 503, message: string) => HttpException;
}

interface OperatorRequest {
  headers: Record<string, string | string[] | undefined>;
}

/**
 * A guard for operator endpoints: `Authorization: Bearer <key>` (or the `keyHeader` of the options), the key being
 * the service setting `setting`, compared in constant time (as SHA-256 digests, so lengths leak nothing).
 * Without the setting the endpoints are off: 503 with `offMessage`, which should name the setting. A missing,
 * malformed or wrong key is 401 with `WWW-Authenticate: Bearer`, one answer for all three.
 */
export function operatorKeyGuard(setting: string, offMessage: string, options: OperatorKeyGuardOptions = {}): Type<CanActivate> {
  const keyHeader = options.keyHeader?.toLowerCase();
  const howToSend = `send the operator key as "Authorization: Bearer <${setting}>"${options.keyHeader ? ` or "${options.keyHeader}: <${setting}>"` : ''}`;
  const refuse = (status: 401 | 503, message: string): HttpException =>
    options.error?.(status, message) ?? (status === 503 ? new ServiceUnavailableException(message) : new UnauthorizedException(message));

  /** The key the request presents: from Authorization when it has one (only a Bearer one counts), else from keyHeader. */
  const presentedKey = ({ headers }: OperatorRequest): string | undefined => {
    const authorization = headers['authorization'];
    if (authorization !== undefined) return typeof authorization === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] : undefined;
    const other = keyHeader === undefined ? undefined : headers[keyHeader];
    return typeof other === 'string' && other.trim() !== '' ? other.trim() : undefined;
  };

  @Injectable()
  class OperatorKeyGuard implements CanActivate {
    constructor(@Inject(SERVICE_SETTINGS) private readonly settings: Readonly<Record<string, unknown>>) {}

    canActivate(context: ExecutionContext): boolean {
      const key = this.settings[setting];
      if (typeof key !== 'string') throw refuse(503, offMessage);
      const presented = presentedKey(context.switchToHttp().getRequest<OperatorRequest>());
      if (presented === undefined || !timingSafeEqual(digest(presented), digest(key))) {
        context.switchToHttp().getResponse<{ setHeader(name: string, value: string): void }>().setHeader('WWW-Authenticate', 'Bearer');
        throw refuse(401, howToSend);
      }
      return true;
    }
  }
  return OperatorKeyGuard;
}
