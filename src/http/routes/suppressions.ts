import { Router } from 'express';
import { z } from 'zod';
import { parseInput } from '../../shared/parse-input';
import { AppError } from '../../shared/errors';
import { INSTANCE_ID_RE } from '../../whatsapp/types';
import { suppressionContact, SuppressionList } from '../../budget/suppressions';

const instanceId = z.string().regex(INSTANCE_ID_RE, 'must be 1-64 letters, digits, _ or -').optional();
const contact = z.union([z.string().min(1).max(64), z.number().int().positive().transform(String)]);
const listQuery = z.object({
  instanceId,
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});
const addBody = z
  .object({ instanceId, contact: contact.optional(), contacts: z.array(contact).min(1).max(10_000).optional(), note: z.string().max(500).optional() })
  .refine((b) => b.contact !== undefined || b.contacts !== undefined, 'give contact or contacts');
const removeQuery = z.object({ instanceId });

export interface SuppressionsRouteDeps {
  suppressions: SuppressionList;
  registry: { get(instanceId: string): Promise<unknown> };
}

/**
 * The suppression list (docs/api.md "Opt-out and suppressions"), admin key only (a list can span
 * instances). With SUPPRESSION_SCOPE=instance every call names its instanceId; with global the
 * list is one and instanceId is ignored.
 *   GET    /suppressions?instanceId=&limit=&offset=     newest first
 *   POST   /suppressions {instanceId?, contact | contacts[], note?}   201 { added, total }
 *   DELETE /suppressions/:contact?instanceId=            { removed }
 */
export function suppressionsRouter(deps: SuppressionsRouteDeps): Router {
  const router = Router();
  const { suppressions } = deps;
  const scopeOf = async (id: string | undefined) => {
    if (suppressions.scope === 'global') return undefined;
    if (id && !(await deps.registry.get(id))) throw new AppError('instance_not_found', `instance ${id} does not exist`);
    return id;
  };

  router.get('/suppressions', async (req, res) => {
    const q = parseInput(listQuery, req.query);
    const id = await scopeOf(q.instanceId);
    const page = await suppressions.list(id, q.offset, q.limit);
    res.json({ success: true, scope: suppressions.scope, instanceId: id ?? null, total: page.total, offset: q.offset, limit: q.limit, items: page.items });
  });

  router.post('/suppressions', async (req, res) => {
    const body = parseInput(addBody, req.body ?? {});
    const id = await scopeOf(body.instanceId);
    const raw = body.contacts ?? [body.contact as string];
    const contacts = [...new Set(raw.map((c, i) => suppressionContact(c, body.contacts ? `contacts.${i}` : 'contact')))];
    const added = await suppressions.add(id, contacts, { reason: 'manual', ...(body.note ? { note: body.note } : {}), at: new Date().toISOString() });
    res.status(201).json({ success: true, scope: suppressions.scope, instanceId: id ?? null, added, total: await suppressions.count(id) });
  });

  router.delete('/suppressions/:contact', async (req, res) => {
    const q = parseInput(removeQuery, req.query);
    const id = await scopeOf(q.instanceId);
    const c = suppressionContact(String(req.params.contact));
    const removed = await suppressions.remove(id, c);
    res.json({ success: true, scope: suppressions.scope, instanceId: id ?? null, contact: c, removed });
  });
  return router;
}
