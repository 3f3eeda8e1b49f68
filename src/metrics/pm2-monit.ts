import type { Counter } from 'prom-client';
import { counterTotal } from './registry';

/**
 * Custom metrics in `pm2 monit` / `pm2 show`. PM2's metrics API is an IPC message,
 * `{ type: 'axm:monitor', data: { <name>: { value, unit } } }`, that the PM2 daemon stores as the
 * process's axm_monitor (lib/Daemon.js); @pm2/io and tx2 are wrappers around this one message.
 * We send it ourselves: no module-level singleton, no timer unless we are really under PM2, and a
 * closed IPC channel is ignored instead of exiting the process (tx2 calls process.exit there).
 */
export interface MonitProbe {
  name: string;
  unit?: string;
  value: () => number | Promise<number>;
}

export interface MonitReporter {
  /** the values last sent (or that would be sent), for tests and logs */
  collect(): Promise<Record<string, { value: number; unit?: string }>>;
  stop(): void;
  /** more probes, from features built after the reporter (the send budget's) */
  add(...probes: MonitProbe[]): void;
}

type Send = (message: unknown) => void;

/** True when this process was started by PM2 (fork mode: IPC channel + pm_id). */
export function underPm2(env: NodeJS.ProcessEnv = process.env): boolean {
  return typeof process.send === 'function' && env.pm_id !== undefined;
}

export function startPm2Monit(initial: MonitProbe[], opts: { intervalMs: number; send?: Send; enabled?: boolean }): MonitReporter {
  const probes = [...initial];
  const enabled = opts.enabled ?? underPm2();
  const send: Send = opts.send ?? ((m) => process.connected && process.send?.(m, undefined, {}, () => undefined));
  const collect = async () => {
    const data: Record<string, { value: number; unit?: string }> = {};
    for (const p of probes) {
      try {
        const value = await p.value();
        data[p.name] = p.unit ? { value, unit: p.unit } : { value };
      } catch {
        /* a probe that cannot be read this time (Redis away) is skipped */
      }
    }
    return data;
  };
  let timer: NodeJS.Timeout | undefined;
  let busy = false;
  if (enabled) {
    timer = setInterval(() => {
      if (busy) return;
      busy = true;
      collect()
        .then((data) => send({ type: 'axm:monitor', data }))
        .catch(() => undefined)
        .finally(() => (busy = false));
    }, opts.intervalMs);
    timer.unref();
  }
  return { collect, stop: () => timer && clearInterval(timer), add: (...more) => void probes.push(...more) };
}

/**
 * Events per minute from a counter: the increase over the last minute (or over the time since
 * the process started, scaled, during its first minute). Sampled each time it is read.
 */
export function perMinute(counter: Counter<string>, where: Record<string, string>[] = [{}], clock: () => number = Date.now): () => Promise<number> {
  const samples: Array<{ at: number; total: number }> = [];
  return async () => {
    const now = clock();
    let total = 0;
    for (const w of where) total += await counterTotal(counter, w);
    samples.push({ at: now, total });
    while (samples.length > 2 && now - samples[1].at >= 60_000) samples.shift();
    const first = samples[0];
    const span = now - first.at;
    if (span < 1000) return 0;
    return Math.round(((total - first.total) * 60_000) / span);
  };
}
