// Answers the IQs Baileys 7 sends during login and before a send (Socket/socket.js, chats.js,
// messages-send.js): pre-key count/upload/digest, usync (devices, lid, contact: usync.mjs), pre-key
// bundles, privacy, blocklist, props, media_conn, group metadata (groups.mjs), w:mex restriction
// fetches (restrictions.mjs), ping. Anything else gets an empty result, which Baileys tolerates.
import { Curve, encodeBigEndian, getBinaryNodeChild, getBinaryNodeChildren, signedKeyPair, xmppPreKey, xmppSignedPreKey } from '@whiskeysockets/baileys';
import { answerUsync } from './usync.mjs';
import { answerMex } from './restrictions.mjs';

const S_WHATSAPP_NET = 's.whatsapp.net';

function result(id, content) {
  return { tag: 'iq', attrs: { from: S_WHATSAPP_NET, type: 'result', id }, content };
}

/** A pre-key bundle per requested device; the identity stays the same per device across fetches. */
function bundleFor(server, jid) {
  let b = server.bundles.get(jid);
  if (!b) {
    const identity = Curve.generateKeyPair();
    b = { identity, registrationId: 1000 + server.bundles.size, signed: signedKeyPair(identity, 1) };
    server.bundles.set(jid, b);
  }
  const preKeyId = 100 + (server.preKeyCounter = (server.preKeyCounter ?? 0) + 1);
  return {
    tag: 'user',
    attrs: { jid },
    content: [
      { tag: 'registration', attrs: {}, content: encodeBigEndian(b.registrationId, 4) },
      { tag: 'type', attrs: {}, content: Buffer.from([5]) },
      { tag: 'identity', attrs: {}, content: b.identity.public },
      xmppSignedPreKey(b.signed),
      xmppPreKey(Curve.generateKeyPair(), preKeyId),
    ],
  };
}

function answerEncrypt(conn, node, child) {
  const { id, type } = node.attrs;
  const server = conn.server;
  if (child?.tag === 'count') return result(id, [{ tag: 'count', attrs: { value: String(server.preKeyCountOf(conn)) } }]);
  if (child?.tag === 'digest') return result(id, [{ tag: 'digest', attrs: {} }]);
  if (child?.tag === 'key') {
    const users = getBinaryNodeChildren(child, 'user').map((u) => bundleFor(server, u.attrs.jid));
    return result(id, [{ tag: 'list', attrs: {}, content: users }]);
  }
  if (type === 'set') {
    const list = getBinaryNodeChild(node, 'list');
    server.recordPreKeys(conn, getBinaryNodeChildren(list, 'key').length);
  }
  return result(id, undefined);
}

/** The reply to one client IQ, or undefined when none is due. */
export function answerIq(conn, node) {
  const { id, xmlns, type } = node.attrs;
  if (type === 'result' || type === 'error') return undefined;
  const child = Array.isArray(node.content) ? node.content[0] : undefined;
  switch (xmlns) {
    case 'encrypt':
      return answerEncrypt(conn, node, child);
    case 'usync':
      return answerUsync(conn.server.directory, id, child);
    case 'privacy':
      if (child?.tag === 'privacy' && type === 'get') {
        const cats = ['last', 'online', 'profile', 'status', 'groupadd', 'readreceipts', 'calladd'];
        return result(id, [{ tag: 'privacy', attrs: {}, content: cats.map((name) => ({ tag: 'category', attrs: { name, value: 'all' } })) }]);
      }
      return result(id, undefined);
    case 'blocklist':
      return result(id, [{ tag: 'list', attrs: {}, content: [] }]);
    case 'w:m': {
      // media_conn: where to upload media; only the media host can take uploads
      const media = conn.server.media;
      if (!media) return result(id, undefined);
      const host = { tag: 'host', attrs: { hostname: media.host, maxContentLengthBytes: '104857600' } };
      return result(id, [{ tag: 'media_conn', attrs: { auth: 'fake-media-auth', ttl: '3600', auth_ttl: '3600', max_buckets: '1' }, content: [host] }]);
    }
    case 'w:g2':
      return conn.server.groups.answer(node) ?? result(id, undefined);
    case 'w:mex':
      return answerMex(conn.server.restrictions, node) ?? result(id, undefined);
    case 'abt':
      return result(id, [{ tag: 'props', attrs: { protocol: '1', hash: 'fake' }, content: [] }]);
    default:
      return result(id, undefined);
  }
}
