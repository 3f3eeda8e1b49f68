/**
 * The session's group caches and what makes them stale. `groups` (one group's metadata, also read
 * by Baileys' group sends through cachedGroupMetadata) and `groupList` (the participating list,
 * GET /instance/:id/groups) are dropped on groups.update, groups.upsert and
 * group-participants.update (a subject, settings or membership change; joining or leaving).
 *
 * One exception: sock.groupFetchAllParticipating itself emits `groups.update` with every group it
 * fetched (Baileys rc14 lib/Socket/groups.js:56), which would drop the list it just returned. That
 * echo carries exactly the metadata the fetch returned (the event buffer copies it with
 * Object.assign, Utils/event-buffer.js:495-503), so an update equal to what the list holds is
 * recognised and kept; any other update drops both caches.
 */
import type { BaileysEventMap, GroupMetadata } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };
import { BoundedCache } from './bounded-cache';

export class GroupListCache {
  private entry?: { groups: GroupMetadata[]; expires: number; echo: Map<string, string> };

  constructor(private readonly ttlMs: number) {}

  get(): GroupMetadata[] | undefined {
    if (this.entry && this.entry.expires <= Date.now()) this.entry = undefined;
    return this.entry?.groups;
  }

  set(groups: GroupMetadata[]): void {
    this.entry = { groups, expires: Date.now() + this.ttlMs, echo: new Map(groups.map((g) => [g.id, JSON.stringify(g)])) };
  }

  /** True (and consumed) when the update is the fetch's own echo of that group. */
  isEcho(update: Partial<GroupMetadata>): boolean {
    const echo = this.entry?.echo;
    if (!echo || !update.id || echo.get(update.id) !== JSON.stringify(update)) return false;
    echo.delete(update.id);
    return true;
  }

  clear(): void {
    this.entry = undefined;
  }
}

/** Drops what a batch of Baileys events made stale (called from message-events.ts). */
export function dropStaleGroups(caches: { groups: BoundedCache<GroupMetadata>; groupList: GroupListCache }, events: Partial<BaileysEventMap>): void {
  const changed: string[] = [];
  for (const g of events['groups.update'] ?? []) if (g.id && !caches.groupList.isEcho(g)) changed.push(g.id);
  for (const g of events['groups.upsert'] ?? []) if (g.id) changed.push(g.id);
  const participants = events['group-participants.update'];
  if (participants?.id) changed.push(participants.id);
  if (!changed.length) return;
  for (const id of changed) caches.groups.del(id);
  caches.groupList.clear();
}
