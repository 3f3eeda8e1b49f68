// usync answers (xmlns 'usync' IQs) as Baileys 7.0.0-rc14 asks and parses them.
//
// The query: Baileys lib/Socket/socket.js:172-220 executeUSyncQuery sends
//   <iq type=get xmlns=usync><usync ...><query><{protocol}/>...</query><list><user jid?>...</list></usync></iq>
// where a <user> has `jid` unless it was given by phone (socket.js:183: `jid: !user.phone ? user.id : undefined`)
// and one child per protocol (WAUSync/Protocols/*.js getUserElement), e.g. onWhatsApp
// (socket.js:222-245, phone '+digits' at :235) sends only the contact protocol with <contact>+5511…</contact>
// (USyncContactProtocol.js:14-19).
// The answer is parsed by WAUSync/USyncQuery.js:25-68 parseUSyncQueryResult: usync > list > user[jid],
// each child handed to the parser of the protocol with the same tag; children of protocols the
// query did not ask for are dropped (USyncQuery.js:49-58), so only asked protocols are answered.
import { getBinaryNodeChild, getBinaryNodeChildren, jidDecode } from '@whiskeysockets/baileys';

const S_WHATSAPP_NET = 's.whatsapp.net';

/** One user's answer, for the protocols the query asked for. */
function usyncUser(directory, jid, protocols) {
  const decoded = jidDecode(jid);
  const isPn = decoded?.server === S_WHATSAPP_NET;
  const onWhatsApp = !isPn || directory.isOnWhatsApp(jid);
  const content = [];
  if (protocols.includes('devices')) {
    // WAUSync/Protocols/USyncDeviceProtocol.js:20-52 parser: devices > device-list > device[id, key-index];
    // Utils/signal.js:148-151 extractDeviceJids keeps non-zero devices only with a key-index
    const ids = directory.devicesOf(jid);
    content.push({
      tag: 'devices',
      attrs: {},
      content: [{ tag: 'device-list', attrs: {}, content: ids.map((d) => ({ tag: 'device', attrs: d ? { id: String(d), 'key-index': '1' } : { id: '0' } })) }],
    });
  }
  if (protocols.includes('lid') && isPn && onWhatsApp) {
    // WAUSync/Protocols/UsyncLIDProtocol.js:22-26 parser returns attrs.val; Baileys stores it as the
    // PN->LID mapping: Socket/messages-send.js:198-203 (device fetch before a send) and
    // socket.js:247-266 pnFromLIDUSync (Signal/lid-mapping.js:173-176, a PN with no mapping yet)
    content.push({ tag: 'lid', attrs: { val: directory.lidFor(jid) } });
  }
  if (protocols.includes('contact')) {
    // WAUSync/Protocols/USyncContactProtocol.js:44-50 parser: `attrs.type === 'in'`
    content.push({ tag: 'contact', attrs: { type: onWhatsApp ? 'in' : 'out' } });
  }
  return { tag: 'user', attrs: { jid }, content };
}

/** The jid a <user> stands for: its `jid`, or the PN jid of the phone in its <contact> (onWhatsApp). */
function userJid(user) {
  if (user.attrs.jid) return user.attrs.jid;
  const phone = getBinaryNodeChild(user, 'contact')?.content;
  return `${Buffer.from(phone ?? '').toString().replace(/\D/g, '')}@${S_WHATSAPP_NET}`;
}

/** The reply to <iq xmlns=usync> `id` whose first child is `usync`. */
export function answerUsync(directory, id, usync) {
  const protocols = (getBinaryNodeChild(usync, 'query')?.content ?? []).map((n) => n.tag);
  const users = getBinaryNodeChildren(getBinaryNodeChild(usync, 'list'), 'user').map((u) => usyncUser(directory, userJid(u), protocols));
  return {
    tag: 'iq',
    attrs: { from: S_WHATSAPP_NET, type: 'result', id },
    content: [{ tag: 'usync', attrs: {}, content: [{ tag: 'list', attrs: {}, content: users }] }],
  };
}
