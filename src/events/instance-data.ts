/**
 * The data of instance and campaign events (docs/events.md, docs/api.md, docs/operations.md).
 * Statuses are plain strings here: the catalog sits below the WhatsApp layer, which owns the list.
 */

export interface LinkedAccount {
  id?: string;
  lid?: string;
  name?: string;
}

export interface QrUpdatedData {
  qr: string;
  attempt: number;
  sandbox?: true;
}

export interface PairingCodeData {
  code: string;
  phone: string;
  sandbox?: true;
}

export interface ConnectionUpdateData {
  status: string;
  previousStatus?: string;
  reason?: string;
  code?: number;
  message?: string;
  retryInMs?: number;
  me?: LinkedAccount;
  sandbox?: true;
}

export interface InstanceCircuitData {
  state: 'open' | 'closed';
  failures: number;
  threshold: number;
  pauseMs?: number;
  until?: string;
  reason?: string;
}

export interface InstanceHeartbeatData {
  status: string;
  connected: boolean;
  live: boolean;
  at: string;
  statusSince?: string;
  me?: LinkedAccount;
  lastError?: string;
}

/** What GET /broadcast-status/:campaignId answers and what campaign events carry. */
export interface CampaignSummary {
  campaignId: string;
  instanceId: string;
  status: 'scheduled' | 'running' | 'paused' | 'completed' | 'cancelled' | 'failed';
  /** why a paused campaign waits: user (POST pause) or a safety hold */
  pauseReason?: string;
  holdUntil?: string;
  total: number;
  pending: number;
  sent: number;
  failed: number;
  /** recipients skipped because they opted out (the suppression list) */
  suppressed: number;
  delivered: number;
  read: number;
  /** contacts left out at creation */
  invalid: number;
  duplicates: number;
  /** sent / (sent + failed), percent with one decimal; null before the first outcome */
  successRate: number | null;
  /** sends per minute over the last minute (or since the start when shorter) */
  currentRate: number;
  etaSeconds: number | null;
  rateLimitMs: number | null;
  scheduledFor: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error?: { code: string; message: string };
}

export interface CampaignStoppedData extends CampaignSummary {
  reason: string;
  message: string;
}

/**
 * The reachout timelock: WhatsApp forbids the number to start new chats for a while (existing
 * chats go on). Learned from WhatsApp (Baileys' `connection.update { reachoutTimeLock }`) or
 * inferred from a late error ack 463.
 */
export interface ReachoutTimelockData {
  active: boolean;
  /** when WhatsApp ends it (ISO); absent when WhatsApp did not say (a 463) or when not active */
  until?: string;
  /** WhatsApp's ReachoutTimelockEnforcementType while active (e.g. BIZ_QUALITY, DEFAULT) */
  enforcementType?: string;
  /** `server` (WhatsApp said so), `ack_463` (inferred from a late 463), `expired` (its end passed), `none` (nothing known yet) */
  source: 'server' | 'ack_463' | 'expired' | 'none';
  /** when it became active (ISO) */
  since?: string;
  /** with ack_463: when the daemon stops assuming it (RESTRICTION_ACK_HOLD_MS after the last 463) */
  assumedUntil?: string;
}

/** WhatsApp's quota of messages that open a new chat (Baileys' NewChatMessageCapInfo). */
export interface NewChatCapData {
  used?: number;
  total?: number;
  /** end of the current quota cycle (ISO) */
  cycleEnd?: string;
  /** NONE, FIRST_WARNING, SECOND_WARNING or CAPPED */
  status?: string;
}

/** The whole restriction state of an instance, sent on every change (and kept in Redis). */
export interface InstanceRestrictionData {
  reachoutTimelock: ReachoutTimelockData;
  newChatCap: NewChatCapData;
  sandbox?: true;
}
