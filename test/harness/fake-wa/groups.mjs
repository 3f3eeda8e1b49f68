// Group metadata (xmlns 'w:g2') as Baileys 7.0.0-rc14 asks and parses it.
//
// The query: lib/Socket/groups.js:10-22 groupQuery / groupMetadata sends
//   <iq type=get xmlns=w:g2 to=<group jid>><query request=interactive/></iq>
// and hands the result to groups.js:272-345 extractGroupMetadata (<group id subject s_t creation
// creator addressing_mode><participant jid type? lid? phone_number?/>…</group>).
//
// A group the account is not in (never was, or left): WhatsApp answers <error code=403 text=forbidden/>.
// Baileys throws at lib/Socket/socket.js:136-138 (query -> assertNodeErrorFree, before extractGroupMetadata
// sees it), lib/WABinary/generic-utils.js:54-58:
//   throw new Boom(errNode.attrs.text || 'Unknown error', { data: +errNode.attrs.code })
// i.e. message 'forbidden', data 403 and output.statusCode 500 (Boom's default: the code is NOT the
// status code). Users report exactly that error from the real server for groupMetadata of a group
// they are not in (github.com/adiwajshing/Baileys/issues/2278: `Error: forbidden … data: 403 … statusCode: 500`).
import { jidDecode } from '@whiskeysockets/baileys';
import { applyGroupChange, extraChildren, participatingAnswer } from './group-list.mjs';

const now = () => String(Math.floor(Date.now() / 1000));

export class Groups {
  constructor() {
    this.groups = new Map(); // group jid -> { id, subject, creation, owner, participants, addressingMode, member }
  }

  /**
   * A group the account is in. id: '1203…' or '1203…@g.us'; participants: [{ jid, lid?, admin? }]
   * (jid PN or LID; lid given with a PN jid lands in metadata participants[].lid, groups.js:333-340).
   */
  add({ id, subject = 'Fake group', participants = [], owner, addressingMode = 'pn', creation = now(), description, announce = false, restrict = false }) {
    const jid = String(id).includes('@') ? String(id) : `${id}@g.us`;
    const group = { id: jid, subject, participants, owner, addressingMode, creation: String(creation), member: true, description, announce, restrict };
    this.groups.set(jid, group);
    return group;
  }

  /** The account leaves (or is removed from) the group: its metadata is forbidden from now on. */
  leave(id) {
    const g = this.groups.get(String(id).includes('@') ? String(id) : `${id}@g.us`);
    if (g) g.member = false;
  }

  /** Applies a change (group-list.mjs applyGroupChange) and returns the w:gp2 notification for the client. */
  change(id, change, by) {
    const g = this.groups.get(String(id).includes('@') ? String(id) : `${id}@g.us`);
    if (!g) throw new Error(`fake-wa: no group ${id}`);
    return applyGroupChange(g, change, by);
  }

  /** Reply to a w:g2 IQ, or undefined to let the default empty result answer it. */
  answer(node) {
    const { id, type, to } = node.attrs;
    const child = Array.isArray(node.content) ? node.content[0] : undefined;
    // groupFetchAllParticipating (groups.js:23-58): every group the account is in
    if (type === 'get' && to === '@g.us' && child?.tag === 'participating') return participatingAnswer(this.groups, node, groupNode);
    if (type !== 'get' || child?.tag !== 'query' || !to || jidDecode(to)?.server !== 'g.us' || !jidDecode(to)?.user) return undefined;
    const group = this.groups.get(to);
    if (!group?.member) {
      return { tag: 'iq', attrs: { from: to, type: 'error', id }, content: [{ tag: 'error', attrs: { code: '403', text: 'forbidden' } }] };
    }
    return { tag: 'iq', attrs: { from: to, type: 'result', id }, content: [groupNode(group)] };
  }
}

/** <group> as extractGroupMetadata reads it (groups.js:272-345). */
function groupNode(g) {
  const attrs = { id: jidDecode(g.id).user, subject: g.subject, s_t: g.creation, creation: g.creation, addressing_mode: g.addressingMode };
  if (g.owner) attrs.creator = g.owner;
  const participants = g.participants.map((p) => {
    const a = { jid: p.jid };
    if (p.lid) a.lid = p.lid;
    if (p.phoneNumber) a.phone_number = p.phoneNumber;
    if (p.admin) a.type = p.admin; // 'admin' | 'superadmin'
    return { tag: 'participant', attrs: a };
  });
  return { tag: 'group', attrs, content: [...participants, ...extraChildren(g)] };
}
