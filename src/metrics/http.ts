import type { RequestHandler } from 'express';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { ProcessMetrics } from './registry';

/** GET /metrics: Prometheus text exposition of the process's registry. */
export function metricsHandler(metrics: ProcessMetrics): RequestHandler {
  return async (_req, res) => {
    const body = await metrics.registry.metrics();
    res.set('Content-Type', metrics.registry.contentType).send(body);
  };
}

/** Standard process series worth showing to a person next to ours. */
const PEOPLE_DEFAULTS: Record<string, string> = {
  process_resident_memory_bytes: 'rssBytes',
  nodejs_heap_size_used_bytes: 'heapUsedBytes',
  nodejs_eventloop_lag_mean_seconds: 'eventLoopLagMeanSeconds',
  nodejs_eventloop_lag_p99_seconds: 'eventLoopLagP99Seconds',
  process_cpu_seconds_total: 'cpuSeconds',
  nodejs_active_handles_total: 'activeHandles',
};

/**
 * The registry as JSON for people: each `wa_*` series nested by its labels in order
 * (wa_queue_jobs.message.waiting = 3), plus a `process` block (RSS, heap, event-loop lag).
 */
export async function statsSnapshot(metrics: ProcessMetrics): Promise<Record<string, unknown>> {
  const all = (await metrics.registry.getMetricsAsJSON()) as MetricObjectWithValues<MetricValue<string>>[];
  const proc: Record<string, number> = {};
  const series: Record<string, unknown> = {};
  for (const m of all) {
    if (PEOPLE_DEFAULTS[m.name]) {
      const v = m.values.find((x) => !x.labels.type || x.labels.type === 'total') ?? m.values[0];
      if (v) proc[PEOPLE_DEFAULTS[m.name]] = round(v.value);
    } else if (m.name.startsWith('wa_')) {
      series[m.name.slice(3)] = nest(m.values);
    }
  }
  return { process: metrics.processName, pid: process.pid, uptimeSeconds: Math.round(process.uptime()), ...proc, ...series };
}

function nest(values: MetricValue<string>[]): unknown {
  if (values.length === 1 && labelPath(values[0].labels).length === 0) return round(values[0].value);
  const out: Record<string, unknown> = {};
  for (const v of values) {
    const path = labelPath(v.labels);
    if (!path.length) continue;
    let node = out;
    for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
    node[path[path.length - 1]] = round(v.value);
  }
  return out;
}

function labelPath(labels: Partial<Record<string, string | number>>): string[] {
  return Object.entries(labels)
    .filter(([k]) => k !== 'process')
    .map(([, v]) => String(v));
}

const round = (n: number) => Math.round(n * 1000) / 1000;
