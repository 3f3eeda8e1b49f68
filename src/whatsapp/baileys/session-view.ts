/**
 * What a BaileysSession's actions (session-send.ts, session-media.ts, session-reads.ts) see of
 * their session (baileys-session.ts): its socket side once Baileys is loaded, and the connected
 * check every action makes first.
 */
import type { Connection } from './connection';
import type { MessageStore } from './message-store';
import type { SessionDeps } from './session-deps';
import type { SessionState } from './session-state';
import type { SessionCaches } from './socket-config';
import type { WaSocketLike } from './socket-types';

/** The socket side of a session, built on the first connect() / requestPairingCode(). */
export interface Built {
  d: SessionDeps;
  conn: Connection;
  store: MessageStore;
  caches: SessionCaches;
}

/** A connected session's socket and its parts. */
export interface Linked {
  sock: WaSocketLike;
  conn: Connection;
  store: MessageStore;
  baileys: SessionDeps['baileys'];
}

export interface SessionView {
  readonly instanceId: string;
  readonly config: SessionDeps['config'];
  readonly log: SessionDeps['logger'];
  readonly state: SessionState;
  /** the socket side, undefined until Baileys is loaded */
  built(): Built | undefined;
  /**
   * Our own status 'connected' (from connection.update, not sock.ws.isOpen, which is also true
   * while a QR shows) or an AppError instance_not_connected.
   */
  connected(): Linked;
}
