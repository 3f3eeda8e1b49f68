import { eventFamily, AnyEvent } from '../events/envelope';
import type { ProcessMetrics } from './registry';

type Deliver<R> = { deliver(url: string, event: AnyEvent): Promise<R> };

/**
 * Wraps a webhook deliverer so each POST is counted by event family and outcome; errors pass
 * through untouched (the handler's retry and dead-letter decisions do not change).
 */
export function countDeliveries<R>(deliverer: Deliver<R>, metrics: ProcessMetrics): Deliver<R> {
  return {
    async deliver(url, event) {
      const family = eventFamily(event.type);
      try {
        const result = await deliverer.deliver(url, event);
        metrics.webhookDeliveries.inc({ family, outcome: 'delivered' });
        return result;
      } catch (err) {
        metrics.webhookDeliveries.inc({ family, outcome: 'failed' });
        throw err;
      }
    },
  };
}

/** A send outcome hook for the send pipeline: one count per instance and outcome. */
export function sendCounter(metrics: ProcessMetrics): (instanceId: string, outcome: string) => void {
  return (instanceId, outcome) => metrics.sends.inc({ instance: instanceId, outcome });
}
