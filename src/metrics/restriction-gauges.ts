import { withTimeout } from '../shared/redis';
import { isTimelocked, RestrictionState } from '../whatsapp/restriction/rules';
import type { ProcessMetrics } from './registry';

const SCRAPE_TIMEOUT_MS = 1500;

export interface RestrictionGaugeSources {
  /** every registered instance id (the registry) */
  instances: () => Promise<string[]>;
  /** their restriction states, in the same order (RestrictionStore.getMany) */
  states: (instanceIds: string[]) => Promise<Array<RestrictionState | undefined>>;
}

/**
 * Per instance, read from Redis at scrape time (whatsapp-server): wa_instance_restricted 1 while
 * WhatsApp's reachout timelock runs (from its notification or inferred from a late 463), and the
 * new-chat quota WhatsApp last reported (used / total; absent until it reported one). One read per
 * scrape serves the three gauges; while Redis is away they keep their last values.
 */
export function registerRestrictionGauges(metrics: ProcessMetrics, sources: RestrictionGaugeSources): void {
  let last: { at: number; value: Promise<Array<[string, RestrictionState | undefined]>> } | undefined;
  const read = () => {
    if (last && Date.now() - last.at < 500) return last.value;
    const value = withTimeout(
      (async () => {
        const ids = await sources.instances();
        const states = await sources.states(ids);
        return ids.map((id, i) => [id, states[i]] as [string, RestrictionState | undefined]);
      })(),
      SCRAPE_TIMEOUT_MS,
      'restriction read timed out',
    );
    last = { at: Date.now(), value };
    return value;
  };
  metrics.gauge('wa_instance_restricted', '1 while the instance may not start new chats (WhatsApp reachout timelock)', ['instance'], async (g) => {
    const rows = await read().catch(() => undefined);
    if (!rows) return;
    g.reset();
    for (const [instance, s] of rows) g.set({ instance }, isTimelocked(s, Date.now()) ? 1 : 0);
  });
  const quota = (name: string, help: string, pick: (s: RestrictionState) => number | undefined) =>
    metrics.gauge(name, help, ['instance'], async (g) => {
      const rows = await read().catch(() => undefined);
      if (!rows) return;
      g.reset();
      for (const [instance, s] of rows) {
        const v = s ? pick(s) : undefined;
        if (v !== undefined) g.set({ instance }, v);
      }
    });
  quota('wa_instance_new_chat_quota_used', 'New chats opened in the current cycle, as WhatsApp reported (message capping)', (s) => s.newChatCap.used);
  quota('wa_instance_new_chat_quota_total', 'New chats allowed per cycle, as WhatsApp reported (message capping)', (s) => s.newChatCap.total);
}
