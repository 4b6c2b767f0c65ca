import { CanActivate, createParamDecorator, ExecutionContext, HttpException, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { allows, OperatorKeys, type Operator, type OperatorRole } from './operator-keys';

interface OperatorRequest {
  headers: Record<string, string | string[] | undefined>;
  operator?: Operator;
}

const ROLE = 'switchyard:orchestrator:role';

/** The role a route needs; routes without it need none of the ops roles. */
export const RequiresRole = (role: OperatorRole) => SetMetadata(ROLE, role);

export const opsError = (status: number, code: string, message: string, extra: Record<string, unknown> = {}): HttpException =>
  new HttpException({ code, message, ...extra }, status);

/** `Authorization: Bearer <key>`, or `X-Api-Key: <key>`. */
function presentedKey(request: OperatorRequest): string | undefined {
  const authorization = request.headers['authorization'];
  if (typeof authorization === 'string') return /^Bearer\s+(\S{1,512})\s*$/i.exec(authorization)?.[1];
  const apiKey = request.headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey.length <= 512 ? apiKey.trim() : undefined;
}

/** Lets a request in with a known operator key whose role allows the route; remembers the operator for @CurrentOperator(). */
@Injectable()
export class OperatorGuard implements CanActivate {
  constructor(
    @Inject(OperatorKeys) private readonly keys: OperatorKeys,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const needed = this.reflector.get<OperatorRole | undefined>(ROLE, context.getHandler()) ?? 'operator';
    const request = context.switchToHttp().getRequest<OperatorRequest>();
    const key = presentedKey(request);
    const operator = key === undefined ? undefined : this.keys.authenticate(key);
    if (!operator) {
      context.switchToHttp().getResponse<{ setHeader(name: string, value: string): void }>().setHeader('WWW-Authenticate', 'Bearer');
      // One answer for a missing or unknown key: it tells nothing about which keys exist.
      throw opsError(401, 'UNAUTHENTICATED', 'an operator key is required: send "Authorization: Bearer <key>" with a key listed (hashed) in ORCHESTRATOR_OPERATOR_KEYS');
    }
    if (!allows(operator.role, needed)) {
      throw opsError(403, 'FORBIDDEN', `operator ${operator.operatorId} has the ${operator.role} role, which may only read; holding, releasing, re-routing and cancelling need the ${needed} role`);
    }
    request.operator = operator;
    return true;
  }
}

export const CurrentOperator = createParamDecorator((_: unknown, context: ExecutionContext): Operator => {
  const operator = context.switchToHttp().getRequest<OperatorRequest>().operator;
  if (!operator) throw new Error('@CurrentOperator() used on a route without OperatorGuard');
  return operator;
});
