import { Router } from 'express';
import { z } from 'zod';
import { parseInput } from '../../shared/parse-input';
import { AppError } from '../../shared/errors';
import { INSTANCE_ID_RE } from '../../whatsapp/types';
import type { ApiKeyStore } from '../access/key-store';
import { KEY_NAME_RE } from '../access/key-store';
import { assertAdmin } from '../access/principal';

const createBody = z
  .object({
    name: z.string().regex(KEY_NAME_RE, '1 to 64 letters, digits, _ or -'),
    instances: z.union([z.literal('*'), z.array(z.string().regex(INSTANCE_ID_RE, 'an instance id')).min(1).max(1000)]),
    readOnly: z.boolean().default(false),
    rateLimitPerMin: z.number().int().min(0).max(1_000_000).optional(),
  })
  .strict();

export interface KeysRouteDeps {
  keys: ApiKeyStore;
}

/**
 * Scoped API keys (admin API_KEY only; a scoped key gets 403):
 *   POST   /keys { name, instances: [ids] | "*", readOnly?, rateLimitPerMin? }  201 with the secret, shown once
 *   GET    /keys                                                               the keys, never a secret
 *   DELETE /keys/:name                                                         stops the key at once
 */
export function keysRouter(deps: KeysRouteDeps): Router {
  const router = Router();
  router.use('/keys', (req, _res, next) => {
    assertAdmin(req);
    next();
  });

  router.post('/keys', async (req, res) => {
    const body = parseInput(createBody, req.body ?? {});
    const instances = body.instances === '*' ? '*' : [...new Set(body.instances)];
    const { key, secret } = await deps.keys.create({ ...body, instances });
    res.status(201).json({ success: true, key, secret });
  });

  router.get('/keys', async (_req, res) => {
    const keys = await deps.keys.list();
    res.json({ success: true, count: keys.length, keys });
  });

  router.delete('/keys/:name', async (req, res) => {
    const name = String(req.params.name);
    if (!(await deps.keys.remove(name))) throw new AppError('not_found', `no API key named ${name}`);
    res.json({ success: true, name, deleted: true });
  });

  return router;
}
