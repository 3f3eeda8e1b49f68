import type { Redis } from 'ioredis';
import type { RedisKeys } from '../shared/keys';
import type { Logger } from '../shared/logger';
import { ScriptRunner } from '../shared/script-runner';
import type { AnyEvent } from '../events/envelope';
import type { AppQueue } from '../queues/factory';

const TTL_MS = 7 * 86_400_000;

/**
 * KEYS: order zset, last score, next-attempt hash  ARGV: event id, ttl
 * Joins the chat's line (once: a retry keeps its place) with a strictly increasing arrival score
 * (µs of Redis' clock), then answers {1} for the head, else {0, headId, headNextAt, headAgeMs}.
 */
const ENTER = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  local score = now
  local last = tonumber(redis.call('GET', KEYS[2])) or 0
  if score <= last then score = last + 1 end
  redis.call('SET', KEYS[2], string.format('%.0f', score), 'PX', tonumber(ARGV[2]))
  redis.call('ZADD', KEYS[1], string.format('%.0f', score), ARGV[1])
end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
local head = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if head[1] == ARGV[1] then return {1} end
local at = tonumber(redis.call('HGET', KEYS[3], head[1])) or 0
return {0, head[1], at, math.floor((now - tonumber(head[2])) / 1000)}`;

/**
 * KEYS: order zset, next-attempt hash, pending counter  ARGV: event id, mode
 * mode 'done': leaves the line, unless other destinations of the same event are still undelivered
 * (fan-out: the counter goes down first). mode 'drop': removes a lost head, only if it is still
 * the head and no destination of it is pending. -> {removed, new head id or ''}
 */
const LEAVE = `local pending = redis.call('EXISTS', KEYS[3]) == 1
if ARGV[2] == 'drop' then
  if pending then return {0, ''} end
  local head = redis.call('ZRANGE', KEYS[1], 0, 0)
  if head[1] ~= ARGV[1] then return {0, ''} end
elseif pending then
  if redis.call('DECR', KEYS[3]) > 0 then return {0, ''} end
  redis.call('DEL', KEYS[3])
end
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
local head = redis.call('ZRANGE', KEYS[1], 0, 0)
return {removed, head[1] or ''}`;

/** Chat events that are not named message.*: a vote belongs in its chat's order like the poll's send. */
const CHAT_EVENTS = new Set<AnyEvent['type']>(['poll.vote']);

/** The chat an event belongs to, for WEBHOOK_ORDER=chat (events without a chat are never held). */
export function chatOf(event: AnyEvent): string | undefined {
  const d = event.data as { chatId?: unknown; jid?: unknown; to?: unknown };
  const chat = typeof d?.chatId === 'string' ? d.chatId : typeof d?.jid === 'string' ? d.jid : typeof d?.to === 'string' ? d.to : undefined;
  return (event.type.startsWith('message.') || CHAT_EVENTS.has(event.type)) && chat ? `${event.instanceId}:${chat}` : undefined;
}

export type Turn = { head: true } | { head: false; headId: string; headNextAt: number; headAgeMs: number };

/**
 * WEBHOOK_ORDER=chat: the undelivered events of one chat form a line in Redis, in the order the
 * webhook-worker first took them from the queue (which is the order they were queued: Bull's wait
 * list is FIFO and the handler joins the line before it awaits anything else). Only the head is
 * delivered; the others wait until it was delivered or dead-lettered. A head left behind by a lost
 * job is dropped once it is older than staleMs and its job is gone or finished.
 */
export class OrderGate {
  private readonly scripts: ScriptRunner;

  constructor(redis: Redis, private readonly keys: RedisKeys, private readonly queue: AppQueue<'webhook'>, private readonly logger: Logger, private readonly staleMs = 60_000) {
    this.scripts = new ScriptRunner(redis);
  }

  /** Sends its Redis command before returning the promise (the caller's first await keeps FIFO). */
  async enter(chat: string, eventId: string): Promise<Turn> {
    const k = this.keys;
    const r = (await this.scripts.run(ENTER, [k.webhookOrder(chat), k.webhookOrderLast(chat), k.webhookOrderNext(chat)], [eventId, TTL_MS])) as Array<number | string>;
    if (r[0] === 1) return { head: true };
    const turn = { head: false as const, headId: String(r[1]), headNextAt: Number(r[2]), headAgeMs: Number(r[3]) };
    if (turn.headAgeMs > this.staleMs && turn.headNextAt <= Date.now()) await this.dropIfLost(chat, turn.headId);
    return turn;
  }

  /** The head waits until `atMs` (a retry, a hold): those behind it wait as long. */
  async noteNextAttempt(chat: string, eventId: string, atMs: number): Promise<void> {
    await this.scripts.run(`redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) redis.call('PEXPIRE', KEYS[1], ARGV[3]) return 1`, [this.keys.webhookOrderNext(chat)], [eventId, atMs, TTL_MS]);
  }

  /** A fanned-out event leaves the line only once all its `destinations` are done. */
  async expectDestinations(eventId: string, destinations: number): Promise<void> {
    await this.scripts.run(`redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) return 1`, [this.keys.webhookOrderPending(eventId)], [destinations, TTL_MS]);
  }

  /** Delivered or dead-lettered: leaves the line and wakes the next event's job at once. */
  async leave(chat: string, eventId: string): Promise<void> {
    const [, next] = await this.runLeave(chat, eventId, 'done');
    if (next) await this.wake(next);
  }

  private async runLeave(chat: string, eventId: string, mode: 'done' | 'drop'): Promise<[boolean, string]> {
    const k = this.keys;
    const [removed, next] = (await this.scripts.run(LEAVE, [k.webhookOrder(chat), k.webhookOrderNext(chat), k.webhookOrderPending(eventId)], [eventId, mode])) as [number, string];
    return [removed === 1, next];
  }

  private async wake(eventId: string): Promise<void> {
    const job = await this.queue.getJob(eventId).catch(() => null);
    if (job && (await job.getState().catch(() => '')) === 'delayed') await job.promote().catch(() => undefined);
  }

  private async dropIfLost(chat: string, headId: string): Promise<void> {
    const job = await this.queue.getJob(headId);
    const state = job ? await job.getState() : 'missing';
    if (state !== 'missing' && state !== 'completed' && state !== 'failed') return;
    const [removed, next] = await this.runLeave(chat, headId, 'drop');
    if (!removed) return;
    this.logger.warn('webhook order: dropped a head whose job is gone', { chat, eventId: headId, state });
    if (next) await this.wake(next);
  }
}
