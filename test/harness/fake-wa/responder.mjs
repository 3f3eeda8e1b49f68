// Answers the IQs Baileys 7 sends during login and before a send (Socket/socket.js, chats.js,
// messages-send.js): pre-key count/upload/digest, usync (devices, lid, contact: usync.mjs), pre-key
// bundles of real Signal identities (signal.mjs), privacy, blocklist, props, media_conn, group metadata (groups.mjs), w:mex restriction
// fetches (restrictions.mjs), ping. Anything else gets an empty result, which Baileys tolerates.
import { getBinaryNodeChildren } from '@whiskeysockets/baileys';
import { answerUsync } from './usync.mjs';
import { answerMex } from './restrictions.mjs';

const S_WHATSAPP_NET = 's.whatsapp.net';

function result(id, content) {
  return { tag: 'iq', attrs: { from: S_WHATSAPP_NET, type: 'result', id }, content };
}

/**
 * encrypt IQs. get <count>: the pre-key count; get <digest>; get <key><user jid>…: the pre-key bundle
 * of each stand-in device asked (Socket/messages-send.js:310-337 assertSessions, parsed by
 * Utils/signal.js:100-137; a LID and a PN jid of one device answer the same identity, signal.mjs);
 * set: the client's pre-key upload or signed pre-key rotation, kept per client device (signal.mjs).
 */
async function answerEncrypt(conn, node, child) {
  const { id, type } = node.attrs;
  const server = conn.server;
  if (child?.tag === 'count') return result(id, [{ tag: 'count', attrs: { value: String(server.preKeyCountOf(conn)) } }]);
  if (child?.tag === 'digest') return result(id, [{ tag: 'digest', attrs: {} }]);
  if (child?.tag === 'key') {
    const asked = getBinaryNodeChildren(child, 'user').map((u) => u.attrs.jid);
    const users = await server.signal.run(() => Promise.all(asked.map((jid) => server.signal.bundleNode(jid))));
    return result(id, [{ tag: 'list', attrs: {}, content: users }]);
  }
  if (type === 'set') server.recordPreKeys(conn, server.signal.recordKeys(conn.device, node));
  return result(id, undefined);
}

/** The reply to one client IQ (a promise for encrypt IQs), or undefined when none is due. */
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
    case 'w:profile:picture':
      return conn.server.profiles.answer(node) ?? result(id, undefined); // profile.mjs
    case 'w:sync:app:state':
      return conn.server.appState.answer(conn, node); // app-state.mjs (a promise: sent in order)
    case 'w:mex':
      return answerMex(conn.server.restrictions, node) ?? result(id, undefined);
    case 'abt':
      return result(id, [{ tag: 'props', attrs: { protocol: '1', hash: 'fake' }, content: [] }]);
    default:
      return result(id, undefined);
  }
}
