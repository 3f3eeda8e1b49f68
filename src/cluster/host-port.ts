/**
 * What the cluster code needs from this shard's session manager (src/whatsapp/host/session-manager.ts),
 * narrow so placement and handoff can be tested with a stand-in.
 */
export interface ShardHost {
  /** starts a session for an instance nobody holds (AppError not_owner: another shard got it) */
  adopt(instanceId: string): Promise<'started' | 'unlinked' | 'gone' | 'skipped'>;
  /** ends the session here and hands the lease over */
  handOff(instanceId: string): Promise<boolean>;
  sessionIds(): string[];
  counts(): { total: number; byStatus: Partial<Record<string, number>> };
  /** resolves on the instance's next settled status (connected, logged_out, ...) or undefined after timeoutMs */
  settled(instanceId: string, timeoutMs: number): Promise<unknown>;
}
