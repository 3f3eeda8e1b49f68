/**
 * The sandbox's answers to the CRM's reads, from what it was told to "receive"
 * (POST /instance/:id/sandbox/incoming): a group the sandbox received a message in is a group the
 * number is in (the senders seen there are its participants, the number itself is its admin), and a
 * sender's pushName is its name. Nobody has a profile picture. Same shapes as the Baileys driver.
 */
import { AppError } from '../../shared/errors';
import type { MessageReceivedData } from '../../events/message-data';
import type { ContactProfile, ContactQuery, GroupDetails, GroupParticipant, GroupSummary } from '../crm-types';

const MAX_GROUPS = 200;
const MAX_CONTACTS = 5_000;

interface SeenGroup {
  id: string;
  creation: number;
  participants: Map<string, GroupParticipant>;
}

export class SandboxDirectory {
  private readonly groups = new Map<string, SeenGroup>();
  /** PN jid or LID -> { pushName, the other identity } */
  private readonly people = new Map<string, { notify: string | null; pnJid: string | null; lid: string | null }>();

  /** Remembers the group and the sender of a simulated incoming message. */
  note(data: MessageReceivedData, me: { id?: string; lid?: string } | undefined): void {
    const person = { notify: data.pushName ?? null, pnJid: data.fromJid ?? null, lid: data.fromLid ?? null };
    for (const key of [person.pnJid, person.lid]) {
      if (!key) continue;
      const known = this.people.get(key);
      this.people.delete(key);
      this.people.set(key, { ...person, notify: person.notify ?? known?.notify ?? null });
    }
    while (this.people.size > MAX_CONTACTS) this.people.delete(this.people.keys().next().value as string);
    if (!data.isGroup) return;
    let group = this.groups.get(data.chatId);
    if (!group) {
      group = { id: data.chatId, creation: data.timestamp, participants: new Map() };
      if (me?.id) group.participants.set(me.id, participant(me.id, me.lid ?? null, 'superadmin'));
      this.groups.set(data.chatId, group);
      if (this.groups.size > MAX_GROUPS) this.groups.delete(this.groups.keys().next().value as string);
    }
    if (person.pnJid && !group.participants.has(person.pnJid)) group.participants.set(person.pnJid, participant(person.pnJid, person.lid, null));
  }

  listGroups(): GroupSummary[] {
    return [...this.groups.values()].map(summaryOf).sort((a, b) => a.id.localeCompare(b.id));
  }

  groupInfo(groupJid: string): GroupDetails {
    const group = this.groups.get(groupJid);
    if (!group) throw new AppError('not_in_group', `sandbox: this number is not in group ${groupJid} (it is in the groups it received a message in)`);
    return detailsOf(group);
  }

  contactProfile(query: ContactQuery): ContactProfile {
    const known = (query.pnJid && this.people.get(query.pnJid)) || (query.lid && this.people.get(query.lid)) || undefined;
    return {
      pnJid: query.pnJid ?? known?.pnJid ?? null,
      lid: query.lid ?? known?.lid ?? null,
      name: null,
      notify: known?.notify ?? null,
      verifiedName: null,
      pictureUrl: null,
      picture: 'none',
    };
  }
}

function participant(jid: string, lid: string | null, admin: GroupParticipant['admin']): GroupParticipant {
  return { jid, phone: jid.split('@')[0], lid, admin, isAdmin: admin !== null, isSuperAdmin: admin === 'superadmin' };
}

function summaryOf(g: SeenGroup): GroupSummary {
  const participants = [...g.participants.values()];
  return {
    id: g.id,
    subject: `Sandbox group ${g.id.split('@')[0].slice(-4)}`,
    size: participants.length,
    owner: participants.find((p) => p.isSuperAdmin)?.jid ?? null,
    ownerPn: null,
    creation: g.creation,
    announce: false,
    restrict: false,
    joinApprovalMode: false,
    memberAddMode: false,
    isCommunity: false,
    isCommunityAnnounce: false,
    addressingMode: 'pn',
    ephemeralDuration: null,
  };
}

function detailsOf(g: SeenGroup): GroupDetails {
  return { ...summaryOf(g), description: null, subjectOwner: null, subjectTime: g.creation, participants: [...g.participants.values()] };
}
