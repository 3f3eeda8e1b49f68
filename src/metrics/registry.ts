import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { ProcessName } from '../shared/lifecycle';

/**
 * The metrics of one process: its own prom-client Registry (never the library's global one), built
 * by the process's wiring and passed to whatever records into it. Every series carries the
 * `process` label, so four processes on one host stay apart even under one scrape job.
 *
 * Counters count what THIS process did since it started (Prometheus' rate() handles restarts);
 * gauges about shared state (queue depth, dead letters) are read from Redis on each scrape.
 */
export interface ProcessMetrics {
  readonly processName: ProcessName;
  readonly registry: Registry;
  /** attempts this process finished, by queue: completed / failed for good / failed and retried */
  readonly jobs: Counter<'queue' | 'outcome'>;
  /** sends through WhatsApp by instance and outcome (sent, failed, duplicate, ...) */
  readonly sends: Counter<'instance' | 'outcome'>;
  /** webhook POSTs by event family and outcome (delivered, failed) */
  readonly webhookDeliveries: Counter<'family' | 'outcome'>;
  /** adds a gauge whose value is read at scrape time */
  gauge<L extends string>(name: string, help: string, labelNames: readonly L[], collect: (g: Gauge<L>) => Promise<void> | void): Gauge<L>;
}

export function createProcessMetrics(processName: ProcessName): ProcessMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ process: processName });
  // RSS, heap, event-loop lag (percentiles), GC, handles: prom-client's standard process series.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  const registers = [registry];
  return {
    processName,
    registry,
    jobs: new Counter({ name: 'wa_jobs_total', help: 'Job attempts finished by this process, by queue and outcome (completed, failed, retried)', labelNames: ['queue', 'outcome'] as const, registers }),
    sends: new Counter({ name: 'wa_sends_total', help: 'WhatsApp sends by instance and outcome', labelNames: ['instance', 'outcome'] as const, registers }),
    webhookDeliveries: new Counter({ name: 'wa_webhook_deliveries_total', help: 'Webhook POSTs to the edge functions by event family and outcome (delivered, failed)', labelNames: ['family', 'outcome'] as const, registers }),
    gauge(name, help, labelNames, collect) {
      return new Gauge({
        name,
        help,
        labelNames,
        registers,
        async collect() {
          await collect(this);
        },
      });
    },
  };
}

/** Sum of a counter's values whose labels match `where` (for rates and JSON summaries). */
export async function counterTotal(counter: Counter<string>, where: Record<string, string> = {}): Promise<number> {
  const { values } = await counter.get();
  return values.filter((v) => Object.entries(where).every(([k, x]) => v.labels[k] === x)).reduce((sum, v) => sum + v.value, 0);
}
