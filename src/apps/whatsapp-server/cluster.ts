import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { Express, RequestHandler, Router } from 'express';
import type { Redis } from 'ioredis';
import type { Config } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import { redisKeys } from '../../shared/keys';
import { closeServer, listen } from '../../shared/lifecycle';
import { shardSettings, ShardSettings } from '../../cluster/settings';
import { RedisOwnership } from '../../cluster/redis-ownership';
import { ShardDirectory } from '../../cluster/shard-directory';
import { ClusterControl, localControl, ShardControl } from '../../cluster/control';
import { Placer } from '../../cluster/placer';
import { Handoff } from '../../cluster/handoff';
import { PeerClient } from '../../cluster/peer-client';
import { leaseOwners } from '../../cluster/owner-lookup';
import { shardEntryBuilder } from '../../cluster/shard-entry';
import type { ShardHost } from '../../cluster/host-port';
import { forwardToOwner } from '../../http/rooms/forward';
import type { InternalRouteDeps } from '../../http/routes/internal';
import type { SessionManager } from '../../whatsapp/host/session-manager';
import type { ProcessMetrics } from '../../metrics/registry';
import type { HeartbeatSource } from '../../maintenance/heartbeat';
import { shardInternalRouters, shardMetrics, ShardRoutesDeps } from './cluster-http';

/** What the wiring hands the rooms: GET /shards for all, forwarding and the lease fence when sharded. */
export interface ShardRooms {
  control: ShardControl;
  forward?: RequestHandler;
  internal?: Router[];
  fence?: InternalRouteDeps['fence'];
}

export interface ServerCluster {
  settings: ShardSettings;
  /** the session manager's ownership (undefined: one server, as before shards) */
  ownership?: RedisOwnership;
  attach(sessions: SessionManager, http: Omit<ShardRoutesDeps, 'sessions' | 'control' | 'placer' | 'config' | 'logger'>): ShardRooms;
  /** after Redis is ready: leases renewed, placement (the restore of a sharded server), the front door */
  start(app: Express, metrics: ProcessMetrics): Promise<void>;
  /** shutdown, first: no more adoptions, leaving in the directory, the front door let go */
  leave(): Promise<void>;
  /** shutdown, then: the sessions end and their instances are handed to the other shards */
  endSessions(endAll: () => Promise<void>): Promise<void>;
  /**
   * what the heartbeat speaks for: every instance on one server; sharded, the instances this shard
   * holds, and on the first live shard (by id) also those nobody holds, so each instance beats once
   */
  heartbeatSessions(manager: SessionManager): HeartbeatSessions;
}

type HeartbeatSessions = { list(): Promise<HeartbeatSource[]>; counts(): ReturnType<SessionManager['counts']> };

/** The cluster parts of whatsapp-server; with sharding off, only GET /shards (one entry). */
export function serverCluster(config: Config, logger: Logger, redis: Redis): ServerCluster {
  const settings = shardSettings(config);
  const keys = redisKeys(config.QUEUE_PREFIX);
  const incarnation = randomBytes(6).toString('hex');
  const ownership = settings.enabled
    ? new RedisOwnership({ redis, keys, logger, shardId: settings.shardId, incarnation, internalUrl: settings.internalUrl, ttlMs: settings.leaseTtlMs, renewMs: settings.renewMs })
    : undefined;
  const directory = new ShardDirectory(redis, keys, settings.liveMs);
  const peers = new PeerClient(config.INTERNAL_TOKEN ?? '');
  let placer: Placer | undefined;
  let handoff: Handoff | undefined;
  let sessions: SessionManager | undefined;
  let frontDoor: { server?: Server; stopped: boolean; timer?: NodeJS.Timeout } = { stopped: true };
  let monit: { stop(): void } | undefined;

  return {
    settings,
    ownership,
    attach(manager, http) {
      sessions = manager;
      const host: ShardHost = {
        adopt: (id) => manager.adopt(id),
        handOff: (id) => manager.handOff(id),
        sessionIds: () => manager.sessionIds(),
        counts: () => manager.counts(),
        settled: (id, timeoutMs) =>
          manager.events.waitFor((e) => e.instanceId === id && e.type === 'connection.update' && ['connected', 'logged_out', 'qr_expired', 'failed', 'disconnected'].includes(String(e.data.status)), timeoutMs),
      };
      const entry = shardEntryBuilder(settings, incarnation, host, () => ownership?.stats());
      if (!ownership) return { control: localControl(settings.shardId, () => entry()) };
      handoff = new Handoff({ redis, keys, logger, settings, directory, host, peers });
      const h = handoff;
      placer = new Placer({
        redis,
        keys,
        logger,
        settings,
        directory,
        host,
        entry,
        instanceIds: async () => (await manager.registry.list()).filter((r) => (r.channel ?? 'whatsapp') === 'whatsapp').map((r) => r.instanceId),
        drain: (shards) => h.drainBatch(shards, config.RESTORE_CONCURRENCY),
        restore: { concurrency: config.RESTORE_CONCURRENCY, jitterMs: config.RESTORE_JITTER_MS },
      });
      const p = placer;
      ownership.onChange = () => p.publish();
      const control = new ClusterControl({ redis, keys, shardId: settings.shardId, directory, handoff, runsHere: (id) => manager.sessionIds().includes(id) });
      // a shard that does not hold the instance gets a fence that never matches: the ledger answers not_owner
      const fence = (id: string) => {
        const held = manager.fenceOf(id);
        return { fence: held ?? { epochKey: keys.leaseEpoch(id), epoch: 0 }, held: held !== undefined };
      };
      return {
        control,
        fence,
        forward: forwardToOwner({ control, peers, logger, timeoutMs: 60_000 + config.PAIRING_CODE_WAIT_MS }),
        internal: shardInternalRouters({ ...http, config, logger, sessions: manager, control, placer }),
      };
    },
    async start(app, metrics) {
      if (!ownership || !placer) return;
      ownership.start();
      monit = shardMetrics(metrics, ownership, settings.shardId, config.PM2_METRICS_INTERVAL_MS);
      await placer.start();
      logger.info('shard started', { shardId: settings.shardId, port: settings.port, internalUrl: settings.internalUrl, frontDoor: settings.frontDoorPort });
      if (settings.frontDoorPort) frontDoor = holdFrontDoor(app, settings.frontDoorPort, config.HOST, logger);
    },
    async leave() {
      if (!placer) return;
      await placer.stop();
      await placer.publish().catch(() => undefined);
      frontDoor.stopped = true;
      if (frontDoor.timer) clearTimeout(frontDoor.timer);
      if (frontDoor.server) await closeServer(frontDoor.server);
    },
    heartbeatSessions(manager) {
      if (!ownership) return manager;
      return {
        counts: () => manager.counts(),
        list: async () => {
          const [all, shards] = await Promise.all([manager.list(), directory.list()]);
          const mine = new Set(manager.sessionIds());
          const first = shards.filter((s) => s.live).map((s) => s.shardId).sort()[0];
          if (first !== settings.shardId) return all.filter((i) => mine.has(i.instanceId));
          const owners = await leaseOwners(redis, keys, all.map((i) => i.instanceId));
          return all.filter((i, n) => mine.has(i.instanceId) || !owners[n]);
        },
      };
    },
    async endSessions(endAll) {
      if (!handoff || !sessions) return endAll();
      const planned = await handoff.plan(sessions.sessionIds()).catch((err: Error) => {
        logger.warn('handoff plan failed; the instances move when their leases are found free', { error: err.message });
        return undefined;
      });
      await endAll();
      if (planned) await handoff.notify(planned.targets, planned.shards);
      logger.info('instances handed over', { count: planned?.targets.size ?? 0 });
      monit?.stop();
      ownership?.stop();
      await directory.withdraw(settings.shardId).catch(() => undefined);
      peers.close();
    },
  };
}

/**
 * SERVER_PORT on a host with several shards: one shard holds it at a time, and when that shard goes
 * (crash, SIGTERM) the kernel frees it and another shard takes it within FRONT_DOOR_RETRY_MS, so the
 * edge functions keep one URL per host. Every shard answers every public request anyway.
 */
function holdFrontDoor(app: Express, port: number, host: string, logger: Logger): { server?: Server; stopped: boolean; timer?: NodeJS.Timeout } {
  const state: { server?: Server; stopped: boolean; timer?: NodeJS.Timeout } = { stopped: false };
  const attempt = () => {
    if (state.stopped) return;
    listen(app, port, host).then(
      (server) => {
        if (state.stopped) return void closeServer(server);
        state.server = server;
        logger.info('holding the front door', { port });
        server.once('close', () => {
          state.server = undefined;
          if (!state.stopped) state.timer = setTimeout(attempt, FRONT_DOOR_RETRY_MS);
        });
      },
      () => {
        state.timer = setTimeout(attempt, FRONT_DOOR_RETRY_MS);
        state.timer.unref();
      },
    );
  };
  attempt();
  return state;
}

const FRONT_DOOR_RETRY_MS = 500;
