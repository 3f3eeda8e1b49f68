import { Router } from 'express';
import { z } from 'zod';
import { parseInput } from '../../shared/parse-input';
import { MAX_CHECK_PHONES, NumberChecker } from '../../whatsapp/numbers/number-check';
import { paramInstanceId } from './instances';

/** Phones often arrive as JSON numbers; both forms are accepted (each is parsed by number-check.ts). */
const phone = z.union([z.string().min(1).max(64), z.number().int().positive()]);
const checkBody = z.object({ phones: z.array(phone).min(1, 'must contain at least one phone').max(MAX_CHECK_PHONES, `at most ${MAX_CHECK_PHONES} phones per request`) });

export interface CheckNumbersRouteDeps {
  numbers: Pick<NumberChecker, 'check'>;
}

/**
 * POST /instance/:id/check-numbers {phones: [...]} (1 to 500): which numbers are on WhatsApp, in
 * which form (a Brazilian mobile is tried with and without its ninth digit), from the cache or
 * asked through the instance (batches of 50). 200 { success, results: [{ input, exists, phone,
 * jid, lid?, cached }] } in the order given; 400 for a bad entry, 404 / 409 for an unknown or
 * unconnected instance.
 */
export function checkNumbersRouter(deps: CheckNumbersRouteDeps): Router {
  const router = Router();
  router.post('/instance/:id/check-numbers', async (req, res) => {
    const instanceId = paramInstanceId(req);
    const body = parseInput(checkBody, req.body ?? {});
    const results = await deps.numbers.check(instanceId, body.phones);
    res.json({ success: true, instanceId, results });
  });
  return router;
}
