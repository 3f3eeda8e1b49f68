import { Router } from 'express';
import { z } from 'zod';
import { parseInput } from '../../shared/parse-input';
import { INSTANCE_ID_RE } from '../../whatsapp/types';
import type { SessionManager } from '../../whatsapp/host/session-manager';
import type { NumberChecker } from '../../whatsapp/numbers/number-check';
import type { RestrictionStore } from '../../whatsapp/restriction/store';
import type { Config } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import type { ShardControl } from '../../cluster/control';
import type { Placer } from '../../cluster/placer';
import type { ProcessMetrics } from '../../metrics/registry';
import type { RedisOwnership } from '../../cluster/redis-ownership';
import { startPm2Monit, MonitReporter } from '../../metrics/pm2-monit';
import { instancesRouter } from '../../http/routes/instances';
import { instanceMediaRouter } from '../../http/routes/instance-media';
import { checkNumbersRouter } from '../../http/routes/check-numbers';
import { crmReadsRouter } from '../../http/routes/crm-reads';
import { shardsRouter } from '../../http/routes/shards';

const adoptBody = z.object({ instanceIds: z.array(z.string().regex(INSTANCE_ID_RE)).min(1).max(10_000), from: z.string().max(64).optional() });

export interface ShardRoutesDeps {
  config: Pick<Config, 'MEDIA_MAX_BYTES'>;
  logger: Logger;
  sessions: SessionManager;
  numbers: Pick<NumberChecker, 'check'>;
  restrictions?: Pick<RestrictionStore, 'get'>;
  control: ShardControl;
  placer: Placer;
}

/**
 * The internal routes other shards call (mounted in the internal room, INTERNAL_TOKEN):
 *   POST /internal/shard/adopt {instanceIds, from?}   a shard handing instances over: take them now
 *   *    /internal/forward/<public path>              a public request another shard's front door
 *                                                    forwarded here because this shard holds the instance
 * Forwarded requests were authenticated and scope-checked at the front door; here they run on this
 * shard's own sessions with the same routes the public room uses.
 */
export function shardInternalRouters(deps: ShardRoutesDeps): Router[] {
  const adopt = Router();
  adopt.post('/shard/adopt', (req, res) => {
    const body = parseInput(adoptBody, req.body ?? {});
    deps.placer.adoptNow(body.instanceIds);
    res.status(202).json({ success: true, accepted: body.instanceIds.length });
  });
  const forward = Router();
  forward.use(
    instancesRouter({ sessions: deps.sessions, restrictions: deps.restrictions, shardsOf: (ids) => deps.control.ownersOf(ids) }),
    instanceMediaRouter({ config: deps.config, logger: deps.logger, sessions: deps.sessions }),
    checkNumbersRouter({ numbers: deps.numbers }),
    crmReadsRouter({ sessions: deps.sessions, numbers: deps.numbers }),
    shardsRouter({ control: deps.control }),
  );
  const mounted = Router();
  mounted.use('/forward', forward);
  return [adopt, mounted];
}

/** wa_shard_* series (and two pm2 monit lines): what this shard holds and how its leases fare. */
export function shardMetrics(metrics: ProcessMetrics, ownership: RedisOwnership, shardId: string, intervalMs: number): MonitReporter {
  const stats = () => ownership.stats();
  metrics.gauge('wa_shard_leases', 'Instance leases this shard holds', ['shard'] as const, (g) => void g.set({ shard: shardId }, stats().held));
  metrics.gauge('wa_shard_lease_claims', 'Lease claims this shard won since it started', ['shard'] as const, (g) => void g.set({ shard: shardId }, stats().claims));
  metrics.gauge('wa_shard_lease_conflicts', 'Lease claims refused because another shard held the instance', ['shard'] as const, (g) => void g.set({ shard: shardId }, stats().conflicts));
  metrics.gauge('wa_shard_leases_lost', 'Leases this shard lost (taken after expiry, or not renewed in time): each closed a socket', ['shard'] as const, (g) => void g.set({ shard: shardId }, stats().lost));
  metrics.gauge('wa_shard_lease_renew_failures', 'Lease renewal rounds that did not reach Redis', ['shard'] as const, (g) => void g.set({ shard: shardId }, stats().renewFailures));
  return startPm2Monit(
    [
      { name: 'Shard leases', value: () => stats().held },
      { name: 'Leases lost', value: () => stats().lost },
    ],
    { intervalMs },
  );
}
