import type { ZodType } from 'zod';
import { AppError } from './errors';

/** Parses input with a schema; failures become a 400 listing each bad field. */
export function parseInput<T>(schema: ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields = result.error.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message }));
  throw new AppError('validation_failed', `invalid input: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, { fields });
}
