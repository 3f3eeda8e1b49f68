import type { Redis } from 'ioredis';
import type { Config } from '../../shared/config';
import type { RedisKeys } from '../../shared/keys';
import type { Logger } from '../../shared/logger';
import type { AnyEventInput } from '../../events/envelope';
import type { WebhookEndpointData } from '../../events/webhook-data';
import type { AppJob, AppQueue } from '../../queues/factory';
import type { WebhookJobData } from '../../queues/contract';
import type { Endpoint } from './endpoint';
import { EndpointStore } from './endpoint-store';
import { EndpointGate } from './gate';
import { BacklogWaker } from './waker';

export type EndpointsConfig = Pick<
  Config,
  'WEBHOOK_CIRCUIT_THRESHOLD' | 'WEBHOOK_CIRCUIT_PAUSE_MS' | 'WEBHOOK_CIRCUIT_MAX_PAUSE_MS' | 'WEBHOOK_ENDPOINT_RATE_PER_S' | 'WEBHOOK_TIMEOUT_MS' | 'WEBHOOK_HELD_RECHECK_MS'
>;

export interface WebhookEndpointsDeps {
  redis: Redis;
  keys: RedisKeys;
  queue: AppQueue<'webhook'>;
  config: EndpointsConfig;
  logger: Logger;
  /** where 'webhook.endpoint' events go (EventPublisher.publish) */
  publish?: (input: AnyEventInput) => unknown;
}

/** Job data as stored: `held` once a delivery waited for its endpoint (it is in the backlog). */
export type HeldJobData = WebhookJobData & { held?: boolean };

/**
 * Everything webhook-worker knows about destination URLs: their health (gate: disabled, circuit,
 * rate), the deliveries held for them (backlog, woken by the waker) and the operator reports
 * ('webhook.endpoint' events and logs).
 */
export class WebhookEndpoints {
  readonly store: EndpointStore;
  readonly gate: EndpointGate;
  readonly waker: BacklogWaker;
  private readonly waking = new Set<string>();

  constructor(private readonly deps: WebhookEndpointsDeps) {
    const { config, logger } = deps;
    this.store = new EndpointStore(deps.redis, deps.keys);
    this.waker = new BacklogWaker(deps.queue, this.store, logger);
    this.gate = new EndpointGate(deps.redis, deps.keys, this.store, {
      threshold: config.WEBHOOK_CIRCUIT_THRESHOLD,
      pauseMs: config.WEBHOOK_CIRCUIT_PAUSE_MS,
      maxPauseMs: config.WEBHOOK_CIRCUIT_MAX_PAUSE_MS,
      // the probe may take a whole delivery; past that, another delivery may probe
      probeMs: config.WEBHOOK_TIMEOUT_MS + 5000,
      ratePerS: config.WEBHOOK_ENDPOINT_RATE_PER_S,
      logger,
      onChange: (ep, change) => {
        if (change.state === 'open') this.report(ep, { state: 'paused', failures: change.failures, pauseMs: change.pauseMs, until: change.until, reason: change.reason });
        else {
          this.report(ep, { state: 'resumed' });
          this.wakeAll(ep.id);
        }
      },
      onPauseOver: (ep) => this.waker.probeLater(ep.id, 0),
      onRecovered: (ep) => this.wakeAll(ep.id),
    });
  }

  /** How long a held delivery waits before it looks again by itself (it is usually woken sooner). */
  heldMs(reason: 'disabled' | 'paused' | 'rate', waitMs: number): number {
    if (reason === 'rate') return waitMs + Math.round(Math.random() * 1000);
    return Math.round(Math.max(waitMs, this.deps.config.WEBHOOK_HELD_RECHECK_MS) * (1 + 0.1 * Math.random()));
  }

  /** The delivery waits for its endpoint: in the backlog (once), flagged in the job (once). */
  async hold(ep: Endpoint, job: AppJob<'webhook'>): Promise<void> {
    await this.store.hold(ep.id, String(job.id));
    const data = job.data as HeldJobData;
    if (!data.held) await job.update({ ...data, held: true } as HeldJobData);
  }

  /** The delivery is over (delivered, dead-lettered): out of the backlog if it was ever in it. */
  async release(ep: Endpoint, job: AppJob<'webhook'>): Promise<void> {
    if (job.attemptsMade > 0 || (job.data as HeldJobData).held) await this.store.release(ep.id, [String(job.id)]);
  }

  /** A 410 Gone: the endpoint is disabled until an operator enables it; reported once. */
  async disable(ep: Endpoint, reason: string, httpStatus: number): Promise<void> {
    const first = await this.store.disable(ep.id, reason, httpStatus);
    this.gate.forget(ep.id);
    if (first) this.report(ep, { state: 'disabled', reason, httpStatus });
  }

  async close(): Promise<void> {
    this.waker.close();
    await this.gate.close();
  }

  /** One wake at a time per endpoint (many deliveries in flight may see the recovery together). */
  private wakeAll(endpointId: string): void {
    if (this.waking.has(endpointId)) return;
    this.waking.add(endpointId);
    this.waker
      .wake(endpointId)
      .then((n) => n && this.deps.logger.info('webhook endpoint back: held deliveries woken', { endpointId, woken: n }))
      .catch((err: Error) => this.deps.logger.warn('could not wake held deliveries', { endpointId, error: err.message }))
      .finally(() => this.waking.delete(endpointId));
  }

  private report(ep: Endpoint, data: Omit<WebhookEndpointData, 'endpointId' | 'url'>): void {
    reportEndpoint(ep, data, this.deps);
  }
}

/** Logs and publishes one 'webhook.endpoint' event (instanceId `*`: it concerns no one instance). */
export function reportEndpoint(ep: Endpoint, data: Omit<WebhookEndpointData, 'endpointId' | 'url'>, deps: Pick<WebhookEndpointsDeps, 'logger' | 'publish'>): void {
  const full: WebhookEndpointData = { endpointId: ep.id, url: ep.url, ...data };
  for (const k of Object.keys(full) as Array<keyof WebhookEndpointData>) if (full[k] === undefined) delete full[k];
  deps.logger.warn(`webhook endpoint ${data.state}`, full);
  try {
    deps.publish?.({ type: 'webhook.endpoint', instanceId: '*', data: full });
  } catch (err) {
    deps.logger.warn('could not report a webhook endpoint change', { endpointId: ep.id, error: (err as Error).message });
  }
}
