/**
 * The app-state sync rc14 can miss for good. It syncs the app state (contacts with their LID<->phone
 * pairs, our push name) only from its first-login state machine, when the phone's history
 * notification arrives (lib/Socket/chats.js:977-1029). Two kinds of device never get it:
 * - one whose notification never came: after 20 s rc14 goes online and still counts the device as
 *   synced (:1096-1109 accountSyncCounter + 1), so reconnects never wait again (:1086-1093);
 * - every device paired while this daemon refused RECENT history (socket-config.ts): rc14 went
 *   online at once (:1080-1085) and the phone sends its history only once, after pairing.
 * For them this runs the same resyncAppState(ALL_WA_PATCH_NAMES, true) doAppStateSync would
 * (:993-1004), once the device is past that window (accountSyncCounter > 0), holds the app-state key
 * (myAppStateKeyId, from the phone's key share, lib/Utils/process-message.js:278-296) and has no
 * collection version stored (every sync stores one per collection, chats.js:491-496).
 */
import type { AuthenticationCreds, SignalKeyStore } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };
import type { Baileys } from './loader';
import type { WaSocketLike } from './socket-types';

/** 'wait': too early (first-login window, or no key yet); 'synced': nothing to do; 'ran': the sync was run. */
export type CatchUp = 'wait' | 'synced' | 'ran';

export async function catchUpAppState(baileys: Baileys, sock: WaSocketLike, creds: AuthenticationCreds, keys: SignalKeyStore): Promise<CatchUp> {
  if (!sock.resyncAppState) return 'synced';
  if (!creds.myAppStateKeyId || !((creds.accountSyncCounter ?? 0) > 0)) return 'wait';
  const names = baileys.ALL_WA_PATCH_NAMES;
  const stored = await keys.get('app-state-sync-version', [...names]);
  if (Object.values(stored).some(Boolean)) return 'synced';
  await sock.resyncAppState(names, true);
  return 'ran';
}
