import { Router } from 'express';
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../../shared/keys';
import { AppError } from '../../shared/errors';
import type { SendBudget } from '../../budget/send-budget';
import { budgetView } from '../../budget/budget-view';
import { parseInput } from '../../shared/parse-input';
import type { InstanceSettings } from '../../whatsapp/types';
import { instanceJson, paramInstanceId } from './instances';
import { createSettings, instanceSettingsSchema } from './instance-settings';

export interface BudgetRouteDeps {
  budget: SendBudget;
  redis: Redis;
  keys: RedisKeys;
  registry: { get(instanceId: string): Promise<{ settings?: InstanceSettings } | undefined> };
  /** writes an instance's settings (SessionManager.update) */
  update: (instanceId: string, fields: { settings: InstanceSettings }) => Promise<Parameters<typeof instanceJson>[0]>;
}

/**
 * The send budget of one number (docs/api.md "The send budget"):
 *   GET  /instance/:id/budget        caps, used per window, next free slot, hold, warm-up, new chats, health, suppressions
 *   POST /instance/:id/health/reset  an operator's reset of the health score (its counted inputs are forgotten)
 *   POST /instance/:id/settings      changes per-instance overrides after create (the keys given replace theirs)
 */
export function budgetRouter(deps: BudgetRouteDeps): Router {
  const router = Router();
  const known = async (instanceId: string) => {
    if (!(await deps.registry.get(instanceId))) throw new AppError('instance_not_found', `instance ${instanceId} does not exist`);
  };

  router.get('/instance/:id/budget', async (req, res) => {
    const instanceId = paramInstanceId(req);
    await known(instanceId);
    res.json({ success: true, ...(await budgetView(deps.budget, deps.redis, deps.keys, instanceId)) });
  });

  router.post('/instance/:id/settings', async (req, res) => {
    const instanceId = paramInstanceId(req);
    const given = parseInput(instanceSettingsSchema, req.body ?? {});
    const record = await deps.registry.get(instanceId);
    if (!record) throw new AppError('instance_not_found', `instance ${instanceId} does not exist`);
    // the workers see the change within INSTANCE_CACHE_MS
    const settings = createSettings({ ...record.settings, ...given }, given.numberSince) ?? {};
    const view = await deps.update(instanceId, { settings });
    res.json({ success: true, instanceId, settings: view.settings ?? {}, instance: instanceJson(view) });
  });

  router.post('/instance/:id/health/reset', async (req, res) => {
    const instanceId = paramInstanceId(req);
    await known(instanceId);
    const health = await deps.budget.health.reset(instanceId, deps.budget.now());
    res.json({ success: true, instanceId, health });
  });
  return router;
}
