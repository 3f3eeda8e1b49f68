import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Router } from 'express';
import { AppError } from '../../shared/errors';

/** openapi.json at the repository root: the same path from src/http/routes and dist/http/routes. */
export const OPENAPI_FILE = join(__dirname, '..', '..', '..', 'openapi.json');

/** GET /openapi.json: the API description, without auth (it holds no secrets). */
export function openapiRouter(): Router {
  const router = Router();
  let body: string | undefined;
  router.get('/openapi.json', (_req, res) => {
    try {
      body ??= JSON.stringify(JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')));
    } catch (err) {
      throw new AppError('not_found', `openapi.json is not available: ${(err as Error).message}`);
    }
    res.type('application/json').send(body);
  });
  return router;
}
