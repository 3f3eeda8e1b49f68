/**
 * The CRM's reads through Baileys rc14: the groups the number is in, one group's metadata, what is
 * known of a contact (names, the other identity, the profile picture).
 * - Groups: sock.groupFetchAllParticipating (lib/Socket/groups.js:23-58, one
 *   <iq xmlns=w:g2 to=@g.us type=get><participating><participants/><description/></participating>)
 *   and sock.groupMetadata (groups.js:19-22); both parse with extractGroupMetadata (:272-345).
 *   Answers are cached per session (socket-config.ts createSessionCaches: `groupList`, and `groups`,
 *   the one Baileys' own sends read) and dropped on group events (group-caches.ts).
 * - Contacts: names come from Baileys' contact events (contact-book.ts); the picture from
 *   sock.profilePictureUrl (lib/Socket/chats.js:555-583, <iq xmlns=w:profile:picture target>),
 *   which throws for a picture WhatsApp will not show: <error code=401 text=not-authorized/> when the
 *   contact's privacy hides it, 404 item-not-found when none is set (whatsmeow names the two
 *   ErrProfilePictureUnauthorized / ErrProfilePictureNotSet); query -> assertNodeErrorFree
 *   (lib/Socket/socket.js:136-138, lib/WABinary/generic-utils.js:54-58) puts the code in Boom `data`.
 */
import type { GroupMetadata } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };
import { AppError } from '../../shared/errors';
import type { ContactProfile, ContactQuery, GroupDetails, GroupParticipant, GroupSummary } from '../crm-types';
import type { Baileys } from './loader';
import type { SessionCaches } from './socket-config';
import type { WaSocketLike } from './socket-types';
import { classifySendError, errorCode } from './send-errors';
import { namesOf } from './contact-book';

const PICTURE_TIMEOUT_MS = 15_000;

export interface CrmReadContext {
  baileys: Baileys;
  sock: WaSocketLike;
  caches: SessionCaches;
  instanceId: string;
}

/** Every group the number participates in, from the session's cache or one participating query. */
export async function listGroups(ctx: CrmReadContext): Promise<GroupSummary[]> {
  const { sock, caches } = ctx;
  let groups = caches.groupList.get();
  if (!groups) {
    if (!sock.groupFetchAllParticipating) throw new AppError('transient', `instance ${ctx.instanceId} cannot list its groups`);
    const all = await sock.groupFetchAllParticipating().catch((err: unknown) => {
      throw classifySendError(err, ctx.instanceId);
    });
    groups = Object.values(all);
    caches.groupList.set(groups);
    // the same metadata serves GET /groups/:groupId and Baileys' group sends (cachedGroupMetadata)
    for (const g of groups) caches.groups.set(g.id, g);
  }
  return groups.map(summaryOf).sort((a, b) => a.subject.localeCompare(b.subject) || a.id.localeCompare(b.id));
}

/** One group's metadata with its participants; a group the number is not in is not_in_group (403). */
export async function groupInfo(ctx: CrmReadContext, groupJid: string): Promise<GroupDetails> {
  const { sock, caches } = ctx;
  let meta = caches.groups.get(groupJid);
  if (!meta) {
    if (!sock.groupMetadata) throw new AppError('transient', `instance ${ctx.instanceId} cannot read group metadata`);
    meta = await sock.groupMetadata(groupJid).catch((err: unknown) => {
      throw classifySendError(err, ctx.instanceId, { group: true });
    });
    caches.groups.set(groupJid, meta);
  }
  return detailsOf(ctx.baileys, meta);
}

/** Names and picture of a person; the other identity from the session's LID mapping when it knows it. */
export async function contactProfile(ctx: CrmReadContext, query: ContactQuery): Promise<ContactProfile> {
  const { baileys, sock } = ctx;
  const mapping = sock.signalRepository?.lidMapping;
  let pnJid = query.pnJid ?? null;
  let lid = query.lid ?? null;
  // stored mappings only (getPNForLID reads the key store; a PN's LID was looked up by the caller)
  if (!pnJid && lid && mapping) pnJid = await mapping.getPNForLID(lid).then((pn) => (pn ? baileys.jidNormalizedUser(pn) : null), () => null);
  const names = namesOf(ctx.caches.contacts, [pnJid, lid]);
  lid = lid ?? names.lid;
  pnJid = pnJid ?? names.pnJid;
  const picture = await pictureOf(ctx, (query.pnJid ?? query.lid ?? pnJid ?? lid)!);
  return { pnJid, lid, name: names.name, notify: names.notify, verifiedName: names.verifiedName, ...picture };
}

async function pictureOf(ctx: CrmReadContext, jid: string): Promise<Pick<ContactProfile, 'pictureUrl' | 'picture'>> {
  if (!ctx.sock.profilePictureUrl) return { pictureUrl: null, picture: 'none' };
  try {
    const url = await ctx.sock.profilePictureUrl(jid, 'preview', PICTURE_TIMEOUT_MS);
    return url ? { pictureUrl: url, picture: 'set' } : { pictureUrl: null, picture: 'none' };
  } catch (err) {
    const code = errorCode(err);
    if (code === 401) return { pictureUrl: null, picture: 'hidden' };
    if (code === 404) return { pictureUrl: null, picture: 'none' };
    throw classifySendError(err, ctx.instanceId);
  }
}

function summaryOf(g: GroupMetadata): GroupSummary {
  return {
    id: g.id,
    subject: g.subject ?? '',
    size: g.size ?? g.participants?.length ?? 0,
    owner: g.owner ?? null,
    ownerPn: g.ownerPn ?? null,
    creation: Number.isFinite(g.creation) ? g.creation! : null,
    announce: g.announce === true,
    restrict: g.restrict === true,
    joinApprovalMode: g.joinApprovalMode === true,
    memberAddMode: g.memberAddMode === true,
    isCommunity: g.isCommunity === true,
    isCommunityAnnounce: g.isCommunityAnnounce === true,
    addressingMode: g.addressingMode === 'lid' ? 'lid' : 'pn',
    ephemeralDuration: g.ephemeralDuration ?? null,
  };
}

function detailsOf(baileys: Baileys, g: GroupMetadata): GroupDetails {
  const participants = (g.participants ?? []).map((p): GroupParticipant => {
    // extractGroupMetadata (groups.js:333-341): a LID participant may carry phoneNumber, a PN one lid
    const pn = baileys.isPnUser(p.id) ? p.id : p.phoneNumber && baileys.isPnUser(p.phoneNumber) ? p.phoneNumber : undefined;
    const lid = baileys.isLidUser(p.id) ? p.id : p.lid && baileys.isLidUser(p.lid) ? p.lid : undefined;
    const admin = p.admin === 'admin' || p.admin === 'superadmin' ? p.admin : null;
    return {
      jid: p.id,
      phone: pn ? baileys.jidNormalizedUser(pn).split('@')[0] : null,
      lid: lid ? baileys.jidNormalizedUser(lid) : null,
      admin,
      isAdmin: admin !== null,
      isSuperAdmin: admin === 'superadmin',
    };
  });
  return {
    ...summaryOf(g),
    description: g.desc ?? null,
    subjectOwner: g.subjectOwner ?? null,
    subjectTime: Number.isFinite(g.subjectTime) ? g.subjectTime! : null,
    participants,
  };
}
