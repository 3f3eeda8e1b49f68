import type { Redis } from 'ioredis';
import type { Config } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import type { Queues } from '../../queues/factory';
import type { EventPublisher } from '../../queues/publisher';
import { enqueueMaintenance } from '../../queues/maintenance-jobs';
import { createProcessMetrics, ProcessMetrics } from '../../metrics/registry';
import { instrumentServer } from '../../metrics/instrument';
import type { MonitReporter } from '../../metrics/pm2-monit';
import { publishHeartbeats, HeartbeatSource } from '../../maintenance/heartbeat';
import { startMaintenanceSchedule, MaintenanceSchedule } from '../../maintenance/scheduler';

export interface OperationsDeps {
  config: Config;
  logger: Logger;
  redis: Redis;
  queues: Queues;
  events: Pick<EventPublisher, 'publishAndWait'>;
  /** the session manager (or anything with the same two methods) */
  sessions?: { list(): Promise<HeartbeatSource[]>; counts(): { total: number; byStatus: Partial<Record<string, number>> } };
}

export interface ServerOperations {
  /** the registry the ops room serves (GET /metrics, /stats) */
  metrics: ProcessMetrics;
  /** pm2 monit's probes: features add theirs (the send budget) */
  monit: Pick<MonitReporter, 'add'>;
  /** starts the maintenance schedules (call once Redis is ready) */
  start(): MaintenanceSchedule;
  /** enqueues one heartbeat per instance now (what the schedule calls) */
  heartbeat(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Everything whatsapp-server adds for operators: its metrics registry (served by the ops room with
 * Bull Board and /openapi.json; also pm2 monit), the heartbeat and the maintenance schedules.
 */
export function serverOperations(deps: OperationsDeps): ServerOperations {
  const metrics = createProcessMetrics('whatsapp-server');
  const sessions = deps.sessions;
  const instrumented = instrumentServer(metrics, {
    queues: Object.values(deps.queues),
    redis: deps.redis,
    config: deps.config,
    sessions: sessions ? () => sessions.counts() : undefined,
  });
  const heartbeat = () =>
    publishHeartbeats({
      list: async () => (sessions ? sessions.list() : []),
      publish: (input) => deps.events.publishAndWait(input),
    });
  let schedule: MaintenanceSchedule | undefined;
  return {
    metrics,
    monit: instrumented.monit,
    heartbeat,
    start() {
      schedule ??= startMaintenanceSchedule(deps.config, deps.logger, {
        enqueue: (task) => enqueueMaintenance(deps.queues.webhook, task),
        heartbeat,
      });
      return schedule;
    },
    async close() {
      instrumented.close();
      await schedule?.stop();
    },
  };
}
