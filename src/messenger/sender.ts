/**
 * The Messenger ChannelSender: one message through the Graph Send API for a page. The pipeline
 * above it owns retries and the generic breaker; this sender adds what only Messenger has: the
 * page's credentials, its auth breaker (MESSENGER_AUTH_FAILURES expired-token answers in a row
 * pause the page for MESSENGER_AUTH_PAUSE_MS), the per-page and global rates, and a send record
 * per message id so a repeated id answers with the first result (Graph has no idempotency key:
 * only a send that timed out without an answer can go twice).
 */
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../shared/keys';
import { AppError } from '../shared/errors';
import type { ChannelSender, ChannelSendRequest, ChannelSendResult } from '../channels/sender';
import type { CircuitBreaker } from '../pacing/circuit-breaker';
import type { CredentialStore } from './credentials';
import type { GraphClient } from './graph-client';
import { isAuthFailure } from './graph-errors';
import type { MessengerRateLimiter } from './rate-limit';
import { parsePsid, sendApiBody } from './payload';

export interface MessengerSenderDeps {
  redis: Redis;
  keys: RedisKeys;
  credentials: CredentialStore;
  graph: GraphClient;
  /** the per-page auth breaker (its own Redis keys, its own threshold and pause) */
  pageBreaker: CircuitBreaker;
  rates: MessengerRateLimiter;
  /** how long a send record and a mid -> message id mapping are kept (s) */
  recordTtlSeconds: number;
  /** an unanswered send holds its id this long before another attempt may try (ms) */
  claimMs: number;
}

const PENDING = 'pending';

export class MessengerSender implements ChannelSender {
  readonly channel = 'messenger' as const;

  constructor(private readonly deps: MessengerSenderDeps) {}

  async send(req: ChannelSendRequest): Promise<ChannelSendResult> {
    const { redis, keys } = this.deps;
    const creds = await this.deps.credentials.get(req.instanceId);
    if (!creds) throw new AppError('instance_not_found', `Messenger instance ${req.instanceId} has no page credentials`, undefined, { retryable: false });
    const psid = parsePsid(req.to);
    if (!psid) throw new AppError('invalid_recipient', `not a Messenger PSID: ${req.to}`, { to: req.to });
    const recordKey = keys.sendRecord(req.messageId);
    const first = await this.previous(recordKey);
    if (first) return first;
    if ((await redis.set(recordKey, PENDING, 'PX', this.deps.claimMs, 'NX')) !== 'OK') {
      const done = await this.previous(recordKey);
      if (done) return done;
      throw new AppError('transient', `message ${req.messageId} is being sent by another attempt`, { inProgress: true }, { retryAfterMs: 1000 });
    }
    let body: Record<string, unknown>;
    try {
      const circuit = await this.deps.pageBreaker.assertClosed(req.instanceId);
      await this.deps.rates.acquire(req.instanceId);
      try {
        body = await this.deps.graph.post(`${creds.pageId}/messages`, creds.accessToken, sendApiBody(psid, req.content));
      } catch (err) {
        if (isAuthFailure(err)) await this.deps.pageBreaker.recordFailure(req.instanceId, (err as Error).message);
        throw err;
      }
      await this.deps.pageBreaker.recordSuccess(req.instanceId, circuit.failures);
    } catch (err) {
      await redis.del(recordKey).catch(() => undefined);
      throw err;
    }
    const mid = typeof body.message_id === 'string' ? body.message_id : '';
    const result = { waMessageId: mid || req.messageId, jid: psid, timestamp: Date.now() };
    const ttl = this.deps.recordTtlSeconds;
    const recent = keys.messengerRecent(req.instanceId, psid);
    const m = redis.multi().set(recordKey, JSON.stringify(result), 'EX', ttl).zadd(recent, result.timestamp, req.messageId).expire(recent, ttl);
    if (mid) m.set(keys.messengerMid(req.instanceId, mid), req.messageId, 'EX', ttl);
    await m.exec();
    return { ...result, duplicate: false };
  }

  /** Typing indicator (sender_action typing_on/off); best effort like WhatsApp's presence. */
  async presence(instanceId: string, to: string, state: 'composing' | 'paused'): Promise<void> {
    const creds = await this.deps.credentials.get(instanceId);
    const psid = parsePsid(to);
    if (!creds || !psid) return;
    await this.deps.graph.post(`${creds.pageId}/messages`, creds.accessToken, { recipient: { id: psid }, sender_action: state === 'composing' ? 'typing_on' : 'typing_off' });
  }

  close(): void {
    this.deps.graph.close();
    this.deps.pageBreaker.close();
  }

  private async previous(recordKey: string): Promise<ChannelSendResult | undefined> {
    const raw = await this.deps.redis.get(recordKey);
    if (!raw || raw === PENDING) return undefined;
    return { ...(JSON.parse(raw) as Omit<ChannelSendResult, 'duplicate'>), duplicate: true };
  }
}
