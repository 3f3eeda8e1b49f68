import { Router } from 'express';
import { z } from 'zod';
import { parseInput } from '../../shared/parse-input';
import { AppError } from '../../shared/errors';
import type { ShardControl } from '../../cluster/control';
import { paramInstanceId } from './instances';

const moveBody = z.object({ shardId: z.preprocess((v) => (v === '' || v === null ? undefined : v), z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/).optional()) });
/** how long POST /instance/:id/move waits for the target to hold the instance */
const MOVE_WAIT_MS = 15_000;

export interface ShardRouteDeps {
  control: ShardControl;
}

/**
 * Shards (admin key):
 *   GET  /shards                     every shard: id, host, instances, load, lease health, live, draining
 *   POST /shards/:id/drain           its instances move to the others; it takes no new ones
 *   POST /shards/:id/undrain
 *   POST /instance/:id/move {shardId?}   to that shard or the least-loaded other one; answers once it holds it
 * With sharding off GET /shards lists this one server and the others answer 409.
 */
export function shardsRouter(deps: ShardRouteDeps): Router {
  const router = Router();
  const { control } = deps;

  router.get('/shards', async (_req, res) => {
    const shards = await control.list();
    const live = shards.filter((s) => s.live);
    res.json({
      success: true,
      sharding: control.enabled,
      answeredBy: control.shardId,
      live: live.length,
      instances: live.reduce((n, s) => n + s.instances, 0),
      shards,
    });
  });

  for (const action of ['drain', 'undrain'] as const) {
    router.post(`/shards/:id/${action}`, async (req, res) => {
      const shardId = String(req.params.id);
      if (!/^[A-Za-z0-9_.-]{1,64}$/.test(shardId)) throw new AppError('bad_request', 'not a shard id');
      await control.setDraining(shardId, action === 'drain');
      res.status(202).json({ success: true, shardId, draining: action === 'drain' });
    });
  }

  router.post('/instance/:id/move', async (req, res) => {
    const instanceId = paramInstanceId(req);
    const { shardId } = parseInput(moveBody, req.body ?? {});
    const { from, to } = await control.move(instanceId, shardId);
    const deadline = Date.now() + MOVE_WAIT_MS;
    let owner = await control.ownerOf(instanceId);
    while (owner?.shardId !== to && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      owner = await control.ownerOf(instanceId);
    }
    const moved = owner?.shardId === to;
    res.status(moved ? 200 : 202).json({ success: true, instanceId, from: from ?? null, to, moved, shard: owner?.shardId ?? null });
  });

  return router;
}
