import { Router } from 'express';
import { z } from 'zod';
import { parseInput } from '../../shared/parse-input';
import { AppError } from '../../shared/errors';
import { httpUrlSchema } from '../../whatsapp/content-schema';
import { assertInstanceId } from '../../whatsapp/instance-view';
import type { InstanceRegistry } from '../../whatsapp/instances/registry';
import type { MessengerInstances } from '../../messenger/instances';

const absent = (v: unknown) => (v === null || v === '' ? undefined : v);
const createBody = z.object({
  instanceId: z.preprocess(absent, z.string().max(200).optional()),
  instanceName: z.preprocess(absent, z.string().max(200).optional()),
  channel: z.literal('messenger'),
  pageId: z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string().max(40)),
  pageAccessToken: z.string().min(1).max(1024),
  webhookUrl: z.preprocess(absent, httpUrlSchema.optional()),
});

export interface MessengerInstancesRouteDeps {
  instances: MessengerInstances;
  registry: Pick<InstanceRegistry, 'get'>;
}

/**
 * The instance routes of a Messenger page, ahead of WhatsApp's (a request for a WhatsApp instance
 * passes through untouched):
 *   POST /instance/create {instanceId, channel: "messenger", pageId, pageAccessToken}  201
 *   POST /instance/delete {instanceId}     removes the page's credentials and the instance
 *   POST /instance/:id/restart             400: a page has no session to restart
 * The answer shows the instance as every channel's; the page id and token are never in it.
 */
export function messengerInstancesRouter(deps: MessengerInstancesRouteDeps): Router {
  const router = Router();
  const channelOf = async (id: unknown) => (typeof id === 'string' && id ? (await deps.registry.get(id))?.channel : undefined);

  router.post('/instance/create', async (req, res, next) => {
    if ((req.body as { channel?: unknown } | undefined)?.channel !== 'messenger') return next();
    const body = parseInput(createBody, req.body);
    const instanceId = body.instanceId ?? body.instanceName;
    if (!instanceId) throw new AppError('validation_failed', 'instanceId is required', { fields: [{ field: 'instanceId', message: 'required' }] });
    assertInstanceId(instanceId);
    const record = await deps.instances.create({ instanceId, pageId: body.pageId, pageAccessToken: body.pageAccessToken, webhookUrl: body.webhookUrl });
    const instance = { ...record, live: false, connected: true };
    res.status(201).json({ success: true, instanceId, channel: 'messenger', status: record.status, qr: null, pairingCode: null, instance });
  });

  router.post('/instance/delete', async (req, res, next) => {
    const b = (req.body ?? {}) as { instanceId?: unknown; instanceName?: unknown };
    const id = b.instanceId ?? b.instanceName;
    if ((await channelOf(id)) !== 'messenger') return next();
    const record = await deps.registry.get(String(id));
    if (!record) return next();
    await deps.instances.delete(record);
    res.json({ success: true, instanceId: record.instanceId, deleted: true });
  });

  router.post('/instance/:id/restart', async (req, res, next) => {
    if ((await channelOf(String(req.params.id))) !== 'messenger') return next();
    throw new AppError('bad_request', `instance ${req.params.id} is a Messenger page: it has no session to restart`);
  });

  return router;
}
