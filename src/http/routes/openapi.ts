import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RequestHandler } from 'express';
import { AppError } from '../../shared/errors';

/** openapi.json at the repository root: the same path from src/http/routes and dist/http/routes. */
export const OPENAPI_FILE = join(__dirname, '..', '..', '..', 'openapi.json');

/** GET /openapi.json: the API description, without auth (it holds no secrets); read once, on first ask. */
export function openapiHandler(): RequestHandler {
  let body: string | undefined;
  return (_req, res) => {
    try {
      body ??= JSON.stringify(JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')));
    } catch (err) {
      throw new AppError('not_found', `openapi.json is not available: ${(err as Error).message}`);
    }
    res.type('application/json').send(body);
  };
}
