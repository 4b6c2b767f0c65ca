import { operatorKeyGuard } from '@switchyard/service-kit';

/**
 * Operator endpoints (publishing rulesets, replacing the network): `Authorization: Bearer <OPERATOR_API_KEY>`,
 * checked by the service kit's guard like every service's operator endpoints. Without a key configured they
 * answer 503 naming the setting.
 */
export const OperatorAuthGuard = operatorKeyGuard('OPERATOR_API_KEY', 'Operator endpoints are off: start routing with OPERATOR_API_KEY set to turn them on.');

/** Who published: the X-Operator-Id header, recorded with each ruleset version. */
export function operatorIdOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  const value = headers['x-operator-id'];
  if (value === undefined) return 'operator';
  return typeof value === 'string' && /^[\w.@-]{1,100}$/.test(value) ? value : undefined;
}
