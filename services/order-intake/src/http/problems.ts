import { HttpException } from '@nestjs/common';
import type { Problem } from '../intake/read-order';

/** Every error this service answers has one shape: `{ errors: [{ path, problem }] }`. */
export function problems(status: number, errors: readonly Problem[]): HttpException {
  return new HttpException({ errors }, status);
}

export function problem(status: number, path: string, text: string): HttpException {
  return problems(status, [{ path, problem: text }]);
}
