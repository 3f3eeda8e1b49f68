/**
 * The makeWASocket options of every socket, in one place. Choices (checked against 7.0.0-rc14):
 * - markOnlineOnConnect false: the phone keeps getting notifications; receipts go out as inactive.
 * - syncFullHistory false, and history sync limited to the small kinds that carry LID<->phone
 *   mappings and push names (INITIAL_BOOTSTRAP, PUSH_NAME, NON_BLOCKING_DATA). Turning every kind
 *   off makes Baileys 7 warn that it then lacks the initial LID mappings ("instability and session
 *   errors"); the bulky RECENT / FULL / ON_DEMAND syncs stay off, and no history event is used.
 * - emitOwnEvents false: our own sends are not echoed through messages.upsert (we ignore them).
 * - caches: long-lived per session (bounded, no timers), so reconnects keep retry counters and
 *   device lists instead of making new NodeCaches per socket; no message store beyond RecentMessages.
 */
import type { GroupMetadata, WAVersion } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };
import type { Config } from '../../shared/config';
import { BoundedCache } from './bounded-cache';
import type { Baileys } from './loader';
import type { RecentMessages } from './recent-messages';
import type { RedisAuthStore } from './redis-auth-store';
import type { SocketConfig, WaSocketLike } from './socket-types';
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
  };
}

export type SessionCaches = ReturnType<typeof createSessionCaches>;

export interface SocketConfigInput {
  baileys: Baileys;
  config: Pick<Config, 'WA_WEBSOCKET_URL'>;
  logger: WaLogger;
  auth: RedisAuthStore;
  version: WAVersion;
  caches: SessionCaches;
  recent: RecentMessages;
  /** the session's current socket (for group metadata lookups) */
  socket(): WaSocketLike | undefined;
}

export function buildSocketConfig(i: SocketConfigInput): SocketConfig {
  const { baileys, caches } = i;
  const H = baileys.proto.HistorySync.HistorySyncType;
  const syncTypes = new Set<number>([H.INITIAL_BOOTSTRAP, H.PUSH_NAME, H.NON_BLOCKING_DATA]);
  return {
    version: i.version,
    logger: i.logger,
    browser: baileys.Browsers.macOS('Chrome'),
    waWebSocketUrl: i.config.WA_WEBSOCKET_URL,
    auth: { creds: i.auth.state.creds, keys: baileys.makeCacheableSignalKeyStore(i.auth.state.keys, i.logger, caches.signalKeys) },
    markOnlineOnConnect: false,
    syncFullHistory: false,
    shouldSyncHistoryMessage: (msg) => msg.syncType != null && syncTypes.has(msg.syncType),
    emitOwnEvents: false,
    generateHighQualityLinkPreview: false,
    msgRetryCounterCache: caches.msgRetryCounterCache,
    userDevicesCache: caches.userDevicesCache,
    callOfferCache: caches.callOfferCache,
    placeholderResendCache: caches.placeholderResendCache,
    // Resends to a recipient whose device could not decrypt: answer from the recent messages.
    getMessage: async (key) => (key.id ? (i.recent.get(key.id)?.message ?? undefined) : undefined),
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
