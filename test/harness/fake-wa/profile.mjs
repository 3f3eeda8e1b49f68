// Profile pictures (xmlns 'w:profile:picture') as Baileys 7.0.0-rc14 asks and parses them.
//
// The query: lib/Socket/chats.js:555-583 profilePictureUrl sends
//   <iq target=<user or group jid> to=s.whatsapp.net type=get xmlns=w:profile:picture>
//     <picture type=preview|image query=url>[<tctoken>…]</picture></iq>      (chats.js:14-20)
// and returns getBinaryNodeChild(result, 'picture')?.attrs?.url (chats.js:581-582).
//
// A picture WhatsApp will not show is an <error> (query -> assertNodeErrorFree, lib/Socket/socket.js:
// 136-138 -> lib/WABinary/generic-utils.js:54-58: Boom(text, { data: code })):
//   401 not-authorized: the contact's privacy settings hide it from this number;
//   404 item-not-found: no picture set.
// whatsmeow maps the same two codes (ErrProfilePictureUnauthorized: "the user has hidden their
// profile picture from you", status 401; ErrProfilePictureNotSet, 404).
import { pnUser } from './directory.mjs';

export class Profiles {
  /** @param {import('./directory.mjs').Directory} directory (a LID target is resolved to its phone) */
  constructor(directory) {
    this.directory = directory;
    this.pictures = new Map(); // PN user -> url | null (hidden)
  }

  /** url: the picture's URL; null: hidden by the contact's privacy settings (401). Unset: none (404). */
  set(phone, url) {
    this.pictures.set(pnUser(phone), url);
  }

  /** Reply to a w:profile:picture IQ, or undefined to let the default empty result answer it. */
  answer(node) {
    const { id, type, target } = node.attrs;
    const child = Array.isArray(node.content) ? node.content.find((c) => c.tag === 'picture') : undefined;
    if (type !== 'get' || !child || !target) return undefined;
    const pn = target.endsWith('@lid') ? this.directory.pnForLid(target) : target;
    const user = pn ? pnUser(pn) : undefined;
    const url = user === undefined || !this.pictures.has(user) ? undefined : this.pictures.get(user);
    if (url === undefined) return error(id, '404', 'item-not-found');
    if (url === null) return error(id, '401', 'not-authorized');
    const pictureId = String(1_700_000_000 + (user.length % 1000));
    return {
      tag: 'iq',
      attrs: { from: 's.whatsapp.net', type: 'result', id },
      content: [{ tag: 'picture', attrs: { id: pictureId, type: child.attrs.type ?? 'preview', url, direct_path: new URL(url).pathname } }],
    };
  }
}

function error(id, code, text) {
  return { tag: 'iq', attrs: { from: 's.whatsapp.net', type: 'error', id }, content: [{ tag: 'error', attrs: { code, text } }] };
}
