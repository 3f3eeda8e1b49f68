import type { ShardHost } from './host-port';
import type { OwnershipStats } from './redis-ownership';
import type { ShardSettings } from './settings';
import type { ShardEntry } from './shard-directory';

/**
 * Builds this shard's directory entry from the process as it is now: sessions, connected ones,
 * RSS, the CPU share since the last entry, and the health of its leases.
 */
export function shardEntryBuilder(
  settings: ShardSettings,
  incarnation: string,
  host: Pick<ShardHost, 'sessionIds' | 'counts'>,
  stats: () => OwnershipStats | undefined,
): (extra?: { inFlight?: number; leaving?: boolean }) => ShardEntry {
  const startedAt = Date.now();
  let last = { at: process.hrtime.bigint(), cpu: process.cpuUsage() };
  let cpu = 0;
  return (extra = {}) => {
    const now = { at: process.hrtime.bigint(), cpu: process.cpuUsage() };
    const wallUs = Number(now.at - last.at) / 1000;
    // sampled at most every 500 ms, so a burst of reads does not make the share jump
    if (wallUs >= 500_000) {
      cpu = (now.cpu.user - last.cpu.user + now.cpu.system - last.cpu.system) / wallUs;
      last = now;
    }
    const s = stats();
    const counts = host.counts();
    return {
      shardId: settings.shardId,
      incarnation,
      host: settings.hostName,
      pid: process.pid,
      internalUrl: settings.internalUrl,
      startedAt,
      // the leases count a session from its claim on (before the session object exists)
      instances: Math.max(s?.held ?? 0, host.sessionIds().length) + (extra.inFlight ?? 0),
      connected: counts.byStatus.connected ?? 0,
      load: { rssBytes: process.memoryUsage().rss, cpu: Math.round(cpu * 1000) / 1000 },
      leaving: extra.leaving === true,
      lease: {
        held: s?.held ?? 0,
        lost: s?.lost ?? 0,
        renewFailures: s?.renewFailures ?? 0,
        ...(s?.lastRenewAt ? { lastRenewAgoMs: Date.now() - s.lastRenewAt } : {}),
      },
      seenAt: Date.now(),
    };
  };
}
