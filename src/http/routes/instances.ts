import { Router, Request } from 'express';
import QRCode from 'qrcode';
import { z } from 'zod';
import { parseInput } from '../../shared/parse-input';
import { AppError } from '../../shared/errors';
import { normalizePhone } from '../../whatsapp/phone';
import { httpUrlSchema } from '../../whatsapp/content-schema';
import { isEventPattern } from '../../webhooks/subscriptions';
import type { SessionManager } from '../../whatsapp/host/session-manager';
import { assertInstanceId, InstanceView } from '../../whatsapp/instance-view';
import { restrictionView, RestrictionState } from '../../whatsapp/restriction/rules';
import { canSee } from '../access/principal';
import { codeFields, missingCodeReason } from '../../whatsapp/code-reason';
import { createSettings, instanceSettingsSchema } from './instance-settings';

// Edge functions send null or "" for "not given"; both mean absent.
const absent = (v: unknown) => (v === null || v === '' ? undefined : v);
const phoneField = z.preprocess(absent, z.union([z.string().max(40), z.number()]).transform(String).optional());
const idField = z.preprocess(absent, z.string().max(200).optional());

/** Accepts the body of whatsapp_instance_manager / whatsapp_instance_delete: instanceId or instanceName. */
const createBody = z.object({
  instanceId: idField,
  instanceName: idField,
  phone: phoneField,
  pairingPhone: phoneField,
  webhookUrl: z.preprocess(absent, httpUrlSchema.optional()),
  // a subscription: more URLs, and the event types wanted (docs/webhooks.md, Subscriptions)
  webhookUrls: z.preprocess(absent, z.array(httpUrlSchema).min(1).max(10).optional()),
  webhookEvents: z.preprocess(absent, z.array(z.string().refine(isEventPattern, 'an event type (message.received), a family of them (message.*) or *')).min(1).max(50).optional()),
  // the send budget's per-instance overrides, and when the number started (its warm-up age)
  settings: z.preprocess(absent, instanceSettingsSchema.optional()),
  numberSince: z.preprocess(absent, instanceSettingsSchema.shape.numberSince),
});
const deleteBody = z.object({ instanceId: idField, instanceName: idField });
const qrQuery = z.object({ format: z.enum(['json', 'png']).default('json') });

/** The instance id of a legacy-or-current body; 400 when it is missing or not a valid id. */
export function bodyInstanceId(body: { instanceId?: string; instanceName?: string }): string {
  const id = body.instanceId ?? body.instanceName;
  if (!id) throw new AppError('validation_failed', 'instanceId is required', { fields: [{ field: 'instanceId', message: 'required' }] });
  assertInstanceId(id);
  return id;
}

/** The :id path parameter, checked against INSTANCE_ID_RE (400). */
export function paramInstanceId(req: Request): string {
  const id = String(req.params.id);
  assertInstanceId(id);
  return id;
}

/** What the API shows of an instance (no internal fields beyond the registry's). */
export function instanceJson(view: InstanceView): Record<string, unknown> {
  return { ...view, connected: view.status === 'connected' };
}

/**
 * Instances (behind the API key):
 *   POST /instance/create {instanceId, phone?|pairingPhone?, webhookUrl?, webhookUrls?, webhookEvents?}  201; 409 when it exists
 *   POST /instance/delete {instanceId}                                     logs out, deletes auth state
 *   GET  /instance/:id/status     GET /instance/:id/qr[?format=png]     POST /instance/:id/restart
 *   GET  /instances
 */
export interface InstancesRouteDeps {
  sessions: Pick<SessionManager, 'create' | 'delete' | 'list' | 'status' | 'restart'>;
  /** the restriction state in Redis (reachout timelock, new-chat cap), shown by the status route */
  restrictions?: { get(instanceId: string): Promise<RestrictionState | undefined> };
  /** sharded servers: the shard holding each instance (status and list show it; null: nobody holds it) */
  shardsOf?: (instanceIds: string[]) => Promise<Array<string | undefined>>;
}

export function instancesRouter(deps: InstancesRouteDeps): Router {
  const router = Router();
  const { sessions } = deps;

  router.post('/instance/create', async (req, res) => {
    const body = parseInput(createBody, req.body ?? {});
    const instanceId = bodyInstanceId(body);
    const rawPhone = body.pairingPhone ?? body.phone;
    const pairingPhone = rawPhone === undefined ? undefined : normalizePhone(rawPhone);
    if (rawPhone !== undefined && !pairingPhone) {
      throw new AppError('validation_failed', `phone: not a phone number (country code first, 8 to 15 digits): ${rawPhone}`, {
        fields: [{ field: 'phone', message: 'not a phone number' }],
      });
    }
    const settings = createSettings(body.settings, body.numberSince ?? body.settings?.numberSince);
    const view = await sessions.create({ instanceId, pairingPhone, webhookUrl: body.webhookUrl, webhookUrls: body.webhookUrls, webhookEvents: body.webhookEvents, settings });
    res.status(201).json({
      success: true,
      instanceId,
      status: view.status,
      ...codeFields(view),
      instance: instanceJson(view),
    });
  });

  router.post('/instance/delete', async (req, res) => {
    const instanceId = bodyInstanceId(parseInput(deleteBody, req.body ?? {}));
    await sessions.delete(instanceId);
    res.json({ success: true, instanceId, deleted: true });
  });

  router.get('/instances', async (req, res) => {
    // a scoped key lists only its own instances
    const instances = (await sessions.list()).filter((i) => canSee(req, i.instanceId));
    const shards = deps.shardsOf ? await deps.shardsOf(instances.map((i) => i.instanceId)) : undefined;
    res.json({ success: true, count: instances.length, instances: instances.map((i, n) => (shards ? { ...instanceJson(i), shard: shards[n] ?? null } : instanceJson(i))) });
  });

  router.get('/instance/:id/status', async (req, res) => {
    const view = await sessions.status(paramInstanceId(req));
    // as it stands now: a lock whose end passed is shown inactive even before its event is written
    const restriction = restrictionView(await deps.restrictions?.get(view.instanceId), Date.now());
    const shard = deps.shardsOf ? { shard: (await deps.shardsOf([view.instanceId]))[0] ?? null } : {};
    res.json({ success: true, instanceId: view.instanceId, status: view.status, connected: view.status === 'connected', ...shard, restriction, instance: instanceJson(view) });
  });

  router.get('/instance/:id/qr', async (req, res) => {
    const instanceId = paramInstanceId(req);
    const { format } = parseInput(qrQuery, req.query);
    const view = await sessions.status(instanceId);
    if (format === 'png') {
      if (!view.qr) throw new AppError('not_found', `instance ${instanceId} has no QR code now: ${missingCodeReason(view, 'qr')}`, { status: view.status, lastError: view.lastError });
      const png = await QRCode.toBuffer(view.qr, { type: 'png', width: 320, margin: 2, errorCorrectionLevel: 'L' });
      res.set('Cache-Control', 'no-store').type('image/png').send(png);
      return;
    }
    res.set('Cache-Control', 'no-store').json({ success: true, instanceId, status: view.status, ...codeFields(view) });
  });

  router.post('/instance/:id/restart', async (req, res) => {
    const view = await sessions.restart(paramInstanceId(req));
    res.json({ success: true, instanceId: view.instanceId, status: view.status, ...codeFields(view), instance: instanceJson(view) });
  });

  return router;
}
