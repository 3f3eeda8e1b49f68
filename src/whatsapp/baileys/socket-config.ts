/**
 * The makeWASocket options of every socket, in one place. Choices (checked against 7.0.0-rc14):
 * - markOnlineOnConnect false: the phone keeps getting notifications; receipts go out as inactive.
 * - History sync: syncFullHistory false (lib/Utils/validate-connection.js:86 requireFullSync: the
 *   phone sends no FULL history), and shouldSyncHistoryMessage accepts INITIAL_BOOTSTRAP, RECENT,
 *   PUSH_NAME and NON_BLOCKING_DATA; FULL, ON_DEMAND and INITIAL_STATUS_V3 are refused. Why RECENT:
 *   the initial app-state sync (contacts with their LID<->phone pairs, our own push name) only runs
 *   from the first-login state machine in lib/Socket/chats.js, and that machine asks exactly one
 *   question at :1077-1084, shouldSyncHistoryMessage({ syncType: RECENT }); false -> Online at once,
 *   no wait for the phone's history notification, and doAppStateSync (:993-1004, resyncAppState of
 *   ALL_WA_PATCH_NAMES) never runs, so creds.me.name stays empty and rc14 drops every presence
 *   update (:603-610 "no name present"). With true, the first processable history notification
 *   (:930-934, :977-990) moves it to Syncing and doAppStateSync runs then, or when the app-state key
 *   share arrives (:1026-1029); events are buffered meanwhile (:1075), at most 20 s when no
 *   notification comes (:1096-1106). Only on the first connection of a device: reconnects skip it
 *   (:1086-1093 accountSyncCounter > 0, bumped at :1002-1003); a device that got no sync in that
 *   window (no notification within 20 s, or paired before RECENT was accepted) gets it from
 *   app-state-catch-up.ts. Bounded: history messages are never events here. Baileys emits them as
 *   messaging-history.set, not messages.upsert (lib/Utils/process-message.js:262-277);
 *   message-events.ts never reads it, only contact names are taken from it (contact-book.ts, a
 *   bounded cache). What Baileys keeps itself is its LID mappings (:263-268,
 *   lib/Signal/lid-mapping.js) and privacy tokens (:270), while the event buffer holds a chunk only
 *   until the flush at the end of the sync (chats.js:1001, lib/Utils/event-buffer.js
 *   MAX_HISTORY_CACHE_SIZE 10000 ids). Cost: BENCHMARKS.md "App-state sync".
 *   Refusing every kind makes rc14 warn that it lacks the initial LID mappings (lib/Socket/socket.js:33-37).
 * - shouldIgnoreJid (ignore-jids.ts, WA_IGNORE_JIDS): status stories and channel posts are nacked
 *   before decryption (lib/Socket/messages-recv.js:1589-1602), so they cost no Signal work or Redis writes.
 * - emitOwnEvents false: our own sends are not echoed through messages.upsert (we ignore them).
 * - caches: long-lived per session (bounded, no timers), so reconnects keep retry counters and
 *   device lists instead of making new NodeCaches per socket.
 * - getMessage answers from the Redis message store (message-store.ts), so a resend still finds the
 *   whole original after a restart, for the device and address (PN or LID) that asks.
 */
import type { GroupMetadata, WAVersion } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };
import type { Config } from '../../shared/config';
import { BoundedCache } from './bounded-cache';
import type { ContactNames } from './contact-book';
import { GroupListCache } from './group-caches';
import { ignoreJidPredicate } from './ignore-jids';
import type { Baileys } from './loader';
import type { MessageStore } from './message-store';
import type { RedisAuthStore } from './redis-auth-store';
import type { SocketConfig, WaSocketLike } from './socket-types';
import { resendContent, socketAlias } from './stored-chat';
import type { WaLogger } from './wa-logger';

const MINUTE = 60_000;

export function createSessionCaches() {
  return {
    msgRetryCounterCache: new BoundedCache(5_000, 60 * MINUTE),
    userDevicesCache: new BoundedCache(5_000, 5 * MINUTE),
    callOfferCache: new BoundedCache(200, 5 * MINUTE),
    placeholderResendCache: new BoundedCache(2_000, 60 * MINUTE),
    /** in front of the Redis key store (Baileys' makeCacheableSignalKeyStore) */
    signalKeys: new BoundedCache(3_000, 5 * MINUTE),
    groups: new BoundedCache<GroupMetadata>(200, 5 * MINUTE),
    /** the participating list (GET /instance/:id/groups); dropped with `groups` (group-caches.ts) */
    groupList: new GroupListCache(5 * MINUTE),
    /** names from Baileys' contact events (contact-book.ts, GET /instance/:id/contacts/:contact) */
    contacts: new BoundedCache<ContactNames>(10_000),
  };
}

export type SessionCaches = ReturnType<typeof createSessionCaches>;

export interface SocketConfigInput {
  baileys: Baileys;
  config: Pick<Config, 'WA_WEBSOCKET_URL' | 'WA_IGNORE_JIDS'>;
  logger: WaLogger;
  auth: RedisAuthStore;
  version: WAVersion;
  caches: SessionCaches;
  store: MessageStore;
  /** the session's current socket (for group metadata lookups) */
  socket(): WaSocketLike | undefined;
}

export function buildSocketConfig(i: SocketConfigInput): SocketConfig {
  const { baileys, caches } = i;
  const H = baileys.proto.HistorySync.HistorySyncType;
  const syncTypes = new Set<number>([H.INITIAL_BOOTSTRAP, H.RECENT, H.PUSH_NAME, H.NON_BLOCKING_DATA]);
  return {
    version: i.version,
    logger: i.logger,
    browser: baileys.Browsers.macOS('Chrome'),
    waWebSocketUrl: i.config.WA_WEBSOCKET_URL,
    auth: { creds: i.auth.state.creds, keys: baileys.makeCacheableSignalKeyStore(i.auth.state.keys, i.logger, caches.signalKeys) },
    markOnlineOnConnect: false,
    syncFullHistory: false,
    shouldSyncHistoryMessage: (msg) => msg.syncType != null && syncTypes.has(msg.syncType),
    shouldIgnoreJid: ignoreJidPredicate(baileys, i.config.WA_IGNORE_JIDS),
    emitOwnEvents: false,
    generateHighQualityLinkPreview: false,
    msgRetryCounterCache: caches.msgRetryCounterCache,
    userDevicesCache: caches.userDevicesCache,
    callOfferCache: caches.callOfferCache,
    placeholderResendCache: caches.placeholderResendCache,
    // Resends to a recipient whose device could not decrypt: the stored original, to its own chat only.
    getMessage: (key) => resendContent(baileys, i.store, key, socketAlias(baileys, i.socket())),
    // Without this every group send costs a metadata query; invalidated on group events.
    cachedGroupMetadata: async (jid) => {
      const hit = caches.groups.get(jid);
      if (hit) return hit;
      const sock = i.socket();
      if (!sock?.groupMetadata) return undefined;
      const meta = await sock.groupMetadata(jid);
      caches.groups.set(jid, meta);
      return meta;
    },
  };
}
