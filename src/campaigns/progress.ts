import type { Logger } from '../shared/logger';
import { AnyEventInput, eventInput } from '../events/envelope';

type CampaignEventType = 'campaign.progress' | 'campaign.completed' | 'campaign.stopped';
import type { CampaignStore } from './store';
import { loadSummary, PacingDefaults } from './summary';

export type CampaignPublish = (event: AnyEventInput, wait?: boolean) => Promise<void>;

/**
 * Campaign events for the CRM's dashboard: 'campaign.progress' throttled to every
 * BROADCAST_PROGRESS_EVERY outcomes or BROADCAST_PROGRESS_INTERVAL_MS, whichever comes first, and
 * 'campaign.completed' / 'campaign.stopped' once at the end, each carrying the status summary.
 */
export class ProgressReporter {
  private sinceLast = 0;
  private lastAt = 0;

  constructor(
    private readonly store: CampaignStore,
    private readonly campaignId: string,
    private readonly instanceId: string,
    private readonly publish: CampaignPublish,
    private readonly options: { every: number; intervalMs: number; pacing: PacingDefaults; logger?: Logger },
  ) {}

  /** Counts one outcome; publishes when the throttle allows. Never throws. */
  async tick(): Promise<void> {
    this.sinceLast++;
    if (this.sinceLast >= this.options.every || Date.now() - this.lastAt >= this.options.intervalMs) await this.emit('campaign.progress');
  }

  /**
   * Publishes now (start of a run, the end). The end events wait until they are queued. A failure
   * (Redis away) is logged, never thrown: the campaign's state in Redis is the truth the status
   * route serves, and a retried job must not redo a finished campaign for the sake of an event.
   */
  async emit(type: 'campaign.progress' | 'campaign.completed'): Promise<void>;
  async emit(type: 'campaign.stopped', extra: { reason: string; message: string }): Promise<void>;
  async emit(type: CampaignEventType, extra?: { reason: string; message: string }): Promise<void> {
    this.sinceLast = 0;
    this.lastAt = Date.now();
    try {
      const summary = await loadSummary(this.store, this.campaignId, this.options.pacing);
      if (!summary) return;
      const input = type === 'campaign.stopped' && extra ? eventInput(type, this.instanceId, { ...summary, ...extra }) : eventInput(type, this.instanceId, summary);
      await this.publish(input, type !== 'campaign.progress');
    } catch (err) {
      this.options.logger?.warn('could not publish campaign event', { campaignId: this.campaignId, type, error: (err as Error).message });
    }
  }
}
