import { Counter } from 'prom-client';
import type { ProcessMetrics } from './registry';

/**
 * wa_budget_holds_total{instance, rule}: sends the budget held, in this process (a single message
 * counts each wait, a campaign each hold it enters). Built once per process by its wiring, on the
 * process's own registry.
 */
export function budgetHoldCounter(metrics: ProcessMetrics): { counter: Counter<'instance' | 'rule'>; onHold: (instanceId: string, rule: string) => void } {
  const counter = new Counter({
    name: 'wa_budget_holds_total',
    help: 'Sends held by the send budget, by instance and rule (minute_cap, daily_cap, warmup, new_chat_daily_cap, identical_content, health, ...)',
    labelNames: ['instance', 'rule'] as const,
    registers: [metrics.registry],
  });
  return { counter, onHold: (instance, rule) => counter.inc({ instance, rule }) };
}
