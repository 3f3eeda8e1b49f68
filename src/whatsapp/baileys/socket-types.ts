/**
 * The part of a Baileys socket the session uses, so tests can drive a session with a fake socket
 * (whose `ev` is Baileys' own makeEventBuffer) through the same code path as production, where the
 * factory is Baileys' makeWASocket. Baileys 7 offers no hook to replace its WebSocket client.
 */
import type { UserFacingSocketConfig, WASocket } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };

export type WaSocketLike = Pick<
  WASocket,
  'ev' | 'user' | 'sendMessage' | 'sendPresenceUpdate' | 'readMessages' | 'requestPairingCode' | 'logout' | 'end' | 'updateMediaMessage'
> &
  Partial<Pick<WASocket, 'authState' | 'groupMetadata' | 'groupFetchAllParticipating' | 'profilePictureUrl' | 'executeUSyncQuery' | 'fetchAccountReachoutTimelock' | 'fetchNewChatMessageCap' | 'resyncAppState'>> & {
    /** Baileys 7's LID<->PN mapping store (optional: a fake socket may leave it out) */
    signalRepository?: {
      lidMapping?: {
        getPNForLID(lid: string): Promise<string | null>;
        getLIDForPN?(pn: string): Promise<string | null>;
        storeLIDPNMappings?(pairs: Array<{ lid: string; pn: string }>): Promise<void>;
      };
    };
  };

export type SocketFactory = (config: UserFacingSocketConfig) => WaSocketLike;
export type SocketConfig = UserFacingSocketConfig;
