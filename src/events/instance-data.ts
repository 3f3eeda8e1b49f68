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
