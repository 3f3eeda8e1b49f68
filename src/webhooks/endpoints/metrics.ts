import type { EndpointStore, EndpointView } from './endpoint-store';

/** The part of a process's metrics registry this needs (ProcessMetrics.gauge). */
interface GaugeMaker {
  gauge<L extends string>(name: string, help: string, labelNames: readonly L[], collect: (g: { set(labels: Record<L, string>, value: number): void; reset(): void }) => Promise<void> | void): unknown;
}

const STATES: ReadonlyArray<EndpointView['state']> = ['active', 'paused', 'probing', 'disabled'];

/**
 * Read from Redis at scrape time: how many endpoints are in each state (a disabled one needs an
 * operator) and each endpoint's backlog of held deliveries.
 */
export function endpointGauges(metrics: GaugeMaker, store: Pick<EndpointStore, 'list'>): void {
  let last: Promise<EndpointView[]> | undefined;
  let lastAt = 0;
  // both gauges are collected in the same scrape: one read of Redis serves them
  const views = () => {
    if (!last || Date.now() - lastAt > 500) {
      lastAt = Date.now();
      last = store.list().catch(() => []);
    }
    return last;
  };
  metrics.gauge('wa_webhook_endpoints', 'Webhook destination URLs by state (active, paused, probing, disabled)', ['state'] as const, async (g) => {
    const list = await views();
    for (const s of STATES) g.set({ state: s }, list.filter((v) => v.state === s).length);
  });
  metrics.gauge('wa_webhook_endpoint_backlog', 'Deliveries held for one webhook endpoint (paused, disabled or between retries)', ['endpoint', 'url'] as const, async (g) => {
    g.reset();
    for (const v of await views()) g.set({ endpoint: v.id, url: v.url }, v.backlog);
  });
}
