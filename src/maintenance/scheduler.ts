import { createTask, ScheduledTask } from 'node-cron';
import type { Config } from '../shared/config';
import type { Logger } from '../shared/logger';
import type { MaintenanceTask } from '../queues/maintenance-jobs';

export interface ScheduleActions {
  /** adds a maintenance job to the queue (the work runs in webhook-worker) */
  enqueue: (task: MaintenanceTask) => Promise<unknown>;
  /** enqueues one heartbeat event per instance; resolves with how many */
  heartbeat: () => Promise<number>;
}

export interface MaintenanceSchedule {
  /** the schedules in force: name -> cron expression */
  readonly active: Record<string, string>;
  stop(): Promise<void>;
}

type Entry = { variable: keyof Config & `CRON_${string}`; name: string; run: (a: ScheduleActions) => Promise<unknown> };

const ENTRIES: Entry[] = [
  { variable: 'CRON_CLEAN', name: 'clean-jobs', run: (a) => a.enqueue('clean-jobs') },
  { variable: 'CRON_EXPIRE', name: 'expire-data', run: (a) => a.enqueue('expire-data') },
  { variable: 'CRON_TRIM_DEAD_LETTERS', name: 'trim-dead-letters', run: (a) => a.enqueue('trim-dead-letters') },
  { variable: 'CRON_HEARTBEAT', name: 'heartbeat', run: (a) => a.heartbeat() },
  { variable: 'CRON_MESSAGE_LOG', name: 'roll-message-log', run: (a) => a.enqueue('roll-message-log') },
];

/**
 * The maintenance clock. It runs in whatsapp-server only: exactly one of it exists (it holds the
 * sockets), so each schedule fires once per tick however many workers run; it only produces jobs,
 * like everything else it does; and the heartbeat speaks for the live sessions, so when the server
 * is down the CRM sees heartbeats stop instead of a stale "connected". Callbacks only enqueue:
 * cleaning runs as a job in webhook-worker, the heartbeat is N events on the webhook queue.
 */
export function startMaintenanceSchedule(config: Config, logger: Logger, actions: ScheduleActions): MaintenanceSchedule {
  const tasks: ScheduledTask[] = [];
  const active: Record<string, string> = {};
  const cronLogger = {
    info: (m: string) => logger.debug(`cron: ${m}`),
    warn: (m: string) => logger.warn(`cron: ${m}`),
    error: (m: string | Error) => logger.error(`cron: ${m instanceof Error ? m.message : m}`),
    debug: () => undefined,
  };
  for (const entry of ENTRIES) {
    const expression = config[entry.variable] as string;
    if (expression === 'off') continue;
    const task = createTask(
      expression,
      async () => {
        try {
          const result = await entry.run(actions);
          logger.debug('maintenance scheduled', { task: entry.name, result });
        } catch (err) {
          // Redis away at the tick: the next tick tries again; nothing is lost by skipping one.
          logger.warn('maintenance schedule could not enqueue', { task: entry.name, error: (err as Error).message });
        }
      },
      { name: `wa-${entry.name}`, noOverlap: true, logger: cronLogger },
    );
    void task.start();
    tasks.push(task);
    active[entry.name] = expression;
  }
  logger.info('maintenance schedules', active);
  return {
    active,
    async stop() {
      await Promise.all(tasks.map((t) => t.destroy()));
    },
  };
}
