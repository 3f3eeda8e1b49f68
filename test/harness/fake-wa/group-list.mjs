// The groups an account is in, as Baileys 7.0.0-rc14 lists them, and the group notifications that
// make its caches stale (groups.mjs keeps the groups and answers one group's metadata).
//
// The list: lib/Socket/groups.js:23-58 groupFetchAllParticipating sends
//   <iq to=@g.us xmlns=w:g2 type=get><participating><participants/><description/></participating></iq>
// and reads result > <groups> > <group>…, each parsed by extractGroupMetadata (:272-345), then
// emits groups.update with every group (:56).
//
// Changes: <notification type=w:gp2 from=<group> participant=<who>> with one child
// (lib/Socket/messages-recv.js:808-810 -> handleGroupNotification :587-718): <subject subject>,
// <announcement/> / <not_announcement/>, <locked/> / <unlocked/>, <add|remove|promote|demote>
// <participant jid/></…>. The stub message it makes goes through processMessage
// (lib/Utils/process-message.js:472-560): groups.update { id, subject | announce | restrict } or
// group-participants.update { id, participants, action }.
const now = () => String(Math.floor(Date.now() / 1000));
let notificationCounter = 0;

/** Reply to the participating IQ: every group the account is in (groupNode from groups.mjs). */
export function participatingAnswer(groups, node, groupNode) {
  const list = [...groups.values()].filter((g) => g.member).map(groupNode);
  return { tag: 'iq', attrs: { from: '@g.us', type: 'result', id: node.attrs.id }, content: [{ tag: 'groups', attrs: {}, content: list }] };
}

/** What the group options add to <group> beyond participants (extractGroupMetadata :287-332). */
export function extraChildren(g) {
  const out = [];
  if (g.description) {
    out.push({ tag: 'description', attrs: { id: g.descriptionId ?? 'DESC1', t: g.creation, ...(g.owner ? { participant: g.owner } : {}) }, content: [{ tag: 'body', attrs: {}, content: Buffer.from(g.description) }] });
  }
  if (g.announce) out.push({ tag: 'announcement', attrs: {} });
  if (g.restrict) out.push({ tag: 'locked', attrs: {} });
  return out;
}

/**
 * Applies a change to the stored group and returns the w:gp2 notification telling the client:
 * { subject } | { announce: bool } | { restrict: bool } | { add: [{ jid, lid?, phoneNumber? }] } |
 * { remove: [jid] } | { promote: [jid] } | { demote: [jid] }. by: who made it (default: the owner).
 */
export function applyGroupChange(g, change, by) {
  let child;
  if (change.subject !== undefined) {
    g.subject = change.subject;
    child = { tag: 'subject', attrs: { subject: change.subject, s_t: now() } };
  } else if (change.announce !== undefined) {
    g.announce = change.announce;
    child = { tag: change.announce ? 'announcement' : 'not_announcement', attrs: {} };
  } else if (change.restrict !== undefined) {
    g.restrict = change.restrict;
    child = { tag: change.restrict ? 'locked' : 'unlocked', attrs: {} };
  } else {
    const action = ['add', 'remove', 'promote', 'demote'].find((a) => change[a]);
    if (!action) throw new Error(`fake-wa: unknown group change ${JSON.stringify(change)}`);
    const people = change[action].map((p) => (typeof p === 'string' ? { jid: p } : p));
    if (action === 'add') g.participants.push(...people);
    if (action === 'remove') g.participants = g.participants.filter((p) => !people.some((x) => x.jid === p.jid));
    for (const p of g.participants) if (people.some((x) => x.jid === p.jid) && (action === 'promote' || action === 'demote')) p.admin = action === 'promote' ? 'admin' : undefined;
    child = { tag: action, attrs: {}, content: people.map((p) => ({ tag: 'participant', attrs: { jid: p.jid, ...(p.lid ? { lid: p.lid } : {}), ...(p.phoneNumber ? { phone_number: p.phoneNumber } : {}) } })) };
  }
  const participant = by ?? g.owner ?? g.participants[0]?.jid;
  return {
    tag: 'notification',
    attrs: { from: g.id, type: 'w:gp2', id: `gp2-${++notificationCounter}`, t: now(), ...(participant ? { participant } : {}) },
    content: [child],
  };
}
