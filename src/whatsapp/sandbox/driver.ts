import { appendFile } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import type { Config } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import { redisKeys } from '../../shared/keys';
import { LinkedMarker, SandboxContext, SandboxSession, SendLogEntry } from './session';
import { RestrictionStore } from '../restriction/store';
import type { CreateSessionOptions, EventSink, SessionDriver } from '../types';

export interface SandboxDriverDeps {
  config: Config;
  logger: Logger;
  redis: Redis;
}

/**
 * WHATSAPP_DRIVER=sandbox: sessions that behave like connected numbers without any network, for
 * development, demos, benchmarks and tests. "Linked credentials" are one small Redis marker per
 * instance (keys.sandboxLinked), so restarts restore without a QR and delete removes it.
 */
export class SandboxDriver implements SessionDriver {
  readonly name = 'sandbox' as const;
  private readonly keys;
  private readonly ctx: SandboxContext;
  // Appends go out one at a time, in send order: the log's line order is the order of `at`.
  private logTail: Promise<void> = Promise.resolve();
  // lines queued while an append is under way: they go out together in the next one
  private logBatch: { lines: string[]; written: Promise<void> } | undefined;

  constructor(private readonly deps: SandboxDriverDeps) {
    this.keys = redisKeys(deps.config.QUEUE_PREFIX);
    this.ctx = {
      config: deps.config,
      logger: deps.logger,
      readLinked: (id) => this.readLinked(id),
      markLinked: async (id, marker) => {
        await this.deps.redis.set(this.keys.sandboxLinked(id), JSON.stringify(marker));
      },
      removeLinked: (id) => this.removeAuthState(id),
      logSend: (entry) => this.logSend(entry),
      restrictions: { store: new RestrictionStore(deps.redis, this.keys, deps.config.MESSAGE_RETENTION_DAYS * 86_400_000), ackHoldMs: deps.config.RESTRICTION_ACK_HOLD_MS },
    };
  }

  create(options: CreateSessionOptions, sink: EventSink): SandboxSession {
    return new SandboxSession(options, sink, this.ctx);
  }

  async removeAuthState(instanceId: string): Promise<void> {
    await this.deps.redis.del(this.keys.sandboxLinked(instanceId));
  }

  async hasLinkedAuthState(instanceId: string): Promise<boolean> {
    return (await this.deps.redis.exists(this.keys.sandboxLinked(instanceId))) === 1;
  }

  private async readLinked(instanceId: string): Promise<LinkedMarker | undefined> {
    const raw = await this.deps.redis.get(this.keys.sandboxLinked(instanceId));
    if (!raw) return undefined;
    try {
      return JSON.parse(raw) as LinkedMarker;
    } catch {
      return undefined;
    }
  }

  /**
   * One JSON line per "sent" message, resolved once it is in the file; a failing log never fails
   * the send. Lines of sends that finish while an append is under way share the next append
   * (measured, issue 17: opening the file once per send was 9 % of the server's CPU under load).
   */
  private logSend(entry: SendLogEntry): Promise<void> {
    const file = this.deps.config.SANDBOX_LOG_FILE;
    if (!file) return Promise.resolve();
    const line = `${JSON.stringify(entry)}\n`;
    if (this.logBatch) {
      this.logBatch.lines.push(line);
      return this.logBatch.written;
    }
    const batch: { lines: string[]; written: Promise<void> } = { lines: [line], written: Promise.resolve() };
    this.logBatch = batch;
    batch.written = this.logTail = this.logTail.then(() => {
      // from here on, new lines start the next batch
      if (this.logBatch === batch) this.logBatch = undefined;
      return appendFile(file, batch.lines.join('')).catch((err: Error) => {
        this.deps.logger.warn('sandbox log append failed', { file, error: err.message });
      });
    });
    return batch.written;
  }
}

export function createSandboxDriver(deps: SandboxDriverDeps): SandboxDriver {
  return new SandboxDriver(deps);
}

export function isSandboxSession(session: unknown): session is SandboxSession {
  return session instanceof SandboxSession;
}
