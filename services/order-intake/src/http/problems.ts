import { HttpException } from '@nestjs/common';
import type { Problem } from '../intake/read-order';

/** Every error this service answers has one shape: `{ errors: [{ path, problem }] }`. */
export function problems(status: number, errors: readonly Problem[]): HttpException {
  return new HttpException({ errors }, status);
}

export function problem(status: number, path: string, text: string): HttpException {
  return problems(status, [{ path, problem: text }]);
}

/** The fields of a JSON body that should be an object; none when it is anything else. */
export function bodyFields(body: unknown): Record<string, unknown> {
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}
