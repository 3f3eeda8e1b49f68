import { Router } from 'express';
import { z } from 'zod';
import { parseInput } from '../../shared/parse-input';
import { AppError } from '../../shared/errors';
import { parseWaAddress, requireUserAddress, requireWaAddress } from '../../whatsapp/address';
import { lookUpContact } from '../../whatsapp/contact-lookup';
import type { NumberChecker } from '../../whatsapp/numbers/number-check';
import type { SessionManager } from '../../whatsapp/host/session-manager';
import { paramInstanceId } from './instances';

const MAX_READ_IDS = 500;
const CHAT_STATES = ['composing', 'recording', 'paused'] as const;

const readBody = z.object({
  chatId: z.string().min(1).max(64),
  messageIds: z.array(z.string().min(1).max(128)).min(1, 'must contain at least one message id').max(MAX_READ_IDS, `at most ${MAX_READ_IDS} ids per request`),
  participant: z.string().min(1).max(64).optional(),
});
const presenceBody = z.object({
  presence: z.enum(['available', 'unavailable', ...CHAT_STATES]),
  chatId: z.string().min(1).max(64).optional(),
});

export interface CrmReadsRouteDeps {
  sessions: Pick<SessionManager, 'connectedSession'>;
  /** the cached number checks (existence and LID of a contact given by phone) */
  numbers: Pick<NumberChecker, 'check'>;
}

/**
 * What the CRM reads and marks through an instance (behind the API key; the instance must be
 * connected: 409 instance_not_connected, unknown: 404):
 *   GET  /instance/:id/groups                 the groups the number participates in (cached per session)
 *   GET  /instance/:id/groups/:groupId        one group: subject, description, participants with admin flags
 *   GET  /instance/:id/contacts/:contact      phone / PN JID / LID -> exists, phone, LID, names, profile picture
 *   POST /instance/:id/read                   { chatId, messageIds, participant? }: read receipts
 *   POST /instance/:id/presence               { presence, chatId? }: online / offline, typing in a chat
 */
export function crmReadsRouter(deps: CrmReadsRouteDeps): Router {
  const router = Router();

  router.get('/instance/:id/groups', async (req, res) => {
    const instanceId = paramInstanceId(req);
    const groups = await (await deps.sessions.connectedSession(instanceId)).listGroups();
    res.json({ success: true, instanceId, count: groups.length, groups });
  });

  router.get('/instance/:id/groups/:groupId', async (req, res) => {
    const instanceId = paramInstanceId(req);
    const groupId = groupJidOf(String(req.params.groupId));
    const group = await (await deps.sessions.connectedSession(instanceId)).groupInfo(groupId);
    res.json({ success: true, instanceId, group });
  });

  router.get('/instance/:id/contacts/:contact', async (req, res) => {
    const instanceId = paramInstanceId(req);
    const contact = await lookUpContact(deps, instanceId, String(req.params.contact));
    res.json({ success: true, instanceId, contact });
  });

  router.post('/instance/:id/read', async (req, res) => {
    const instanceId = paramInstanceId(req);
    const body = parseInput(readBody, req.body ?? {});
    const chat = requireWaAddress(body.chatId, 'chatId');
    const participant = body.participant ? requireUserAddress(body.participant) : undefined;
    // a group's read receipt names who wrote the messages (Baileys sendReceipt: attrs.participant)
    if (chat.kind === 'group' && !participant) throw new AppError('validation_failed', 'invalid input: participant: required for a group chat (who wrote the messages)', { fields: [{ field: 'participant', message: 'required for a group chat' }] });
    if (chat.kind !== 'group' && participant) throw new AppError('validation_failed', 'invalid input: participant: only for a group chat', { fields: [{ field: 'participant', message: 'only for a group chat' }] });
    const ids = [...new Set(body.messageIds)];
    const session = await deps.sessions.connectedSession(instanceId);
    await session.markRead(ids.map((messageId) => ({ chat, messageId, participant })));
    res.json({ success: true, instanceId, chatId: body.chatId, count: ids.length });
  });

  router.post('/instance/:id/presence', async (req, res) => {
    const instanceId = paramInstanceId(req);
    const body = parseInput(presenceBody, req.body ?? {});
    const inChat = (CHAT_STATES as readonly string[]).includes(body.presence);
    if (inChat && !body.chatId) throw new AppError('validation_failed', `invalid input: chatId: required for presence ${body.presence} (the chat it shows in)`, { fields: [{ field: 'chatId', message: `required for ${body.presence}` }] });
    // available / unavailable are about the account, not a chat: a chatId is ignored
    const to = inChat ? requireWaAddress(body.chatId!, 'chatId') : { kind: 'pn' as const, phone: '', jid: '' };
    const session = await deps.sessions.connectedSession(instanceId);
    await session.sendPresence({ to, state: body.presence });
    res.json({ success: true, instanceId, presence: body.presence, ...(inChat ? { chatId: body.chatId } : {}) });
  });

  return router;
}

/** `120363…@g.us` or its digits (`120363…`, `1203…-1600…`); anything else is 400. */
function groupJidOf(input: string): string {
  const address = parseWaAddress(/^[\d-]+$/.test(input) ? `${input}@g.us` : input);
  if (address?.kind !== 'group') throw new AppError('invalid_recipient', `groupId: not a group id (like 120363000000000000@g.us): ${input}`, { groupId: input });
  return address.jid;
}
