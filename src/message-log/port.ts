/**
 * The message log as the rest of the daemon sees it: a writer of row batches and the queries of
 * the API. PostgreSQL is the one implementation (pg-store.ts); tests and a later store plug in here.
 */
import type { LogRow, LogStatus } from './row';

export interface LogQuery {
  instanceId?: string;
  campaignId?: string;
  status?: LogStatus;
  since?: Date;
  until?: Date;
  limit: number;
  /** from a previous page's nextCursor */
  cursor?: string;
}

export interface LogPage {
  items: LogRow[];
  /** give it back as `cursor` for the next (older) page; null on the last page */
  nextCursor: string | null;
}

/** One recipient of a campaign with its outcome, folded from its rows. */
export interface CampaignOutcome {
  messageId: string;
  recipient: string;
  channel: string;
  status: LogStatus;
  attempts: number | null;
  sentAt: string | null;
  deliveredAt: string | null;
  readAt: string | null;
  failedAt: string | null;
  errorCode: string | null;
  errorMessage: string | null;
}

export interface PartitionRoll {
  created: string[];
  dropped: string[];
}

export interface MessageLogStore {
  /** creates the schema, the table and the partitions around today (idempotent, safe in parallel) */
  prepare(now?: Date): Promise<void>;
  /** one multi-row INSERT; rows already stored are skipped. Throws when PostgreSQL fails. */
  insert(rows: LogRow[]): Promise<number>;
  query(q: LogQuery): Promise<LogPage>;
  /** a campaign's outcomes, ordered by message id, after `afterMessageId` (keyset pages) */
  campaignOutcomes(campaignId: string, afterMessageId: string, limit: number): Promise<CampaignOutcome[]>;
  /** creates partitions `daysAhead` ahead and drops those past the retention */
  roll(now?: Date): Promise<PartitionRoll>;
  partitions(): Promise<string[]>;
  close(): Promise<void>;
}
