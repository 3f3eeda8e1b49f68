import type { Logger } from '../shared/logger';
import type { EventInput, EventType } from '../events/envelope';
import type { CampaignStore } from './store';
import { loadSummary, PacingDefaults } from './summary';

export type CampaignPublish = (event: EventInput, wait?: boolean) => Promise<void>;

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
  async emit(type: EventType, extra: Record<string, unknown> = {}): Promise<void> {
    this.sinceLast = 0;
    this.lastAt = Date.now();
    try {
      const summary = await loadSummary(this.store, this.campaignId, this.options.pacing);
      if (!summary) return;
      await this.publish({ type, instanceId: this.instanceId, data: { ...summary, ...extra } }, type !== 'campaign.progress');
    } catch (err) {
      this.options.logger?.warn('could not publish campaign event', { campaignId: this.campaignId, type, error: (err as Error).message });
    }
  }
}
