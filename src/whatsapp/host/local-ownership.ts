import type { InstanceOwner, InstanceOwnership, Lease, LeaseHolder } from './ownership';

export interface OwnershipLogger {
  warn(message: string, meta?: Record<string, unknown>): unknown;
}

export interface LocalOwnershipOptions {
  logger: OwnershipLogger;
  /** this process' internal API (what owner() answers) */
  internalUrl: string;
  shardId?: string;
}

interface Held {
  holder: LeaseHolder;
  epoch: number;
}

/**
 * The in-process ownership (what SocketRegistry was): at most one holder per instance in this
 * process, whoever asks; a claim by a different holder ends the current one first. Epochs are
 * counted per instance in memory, which is enough while one process holds every socket.
 */
export class LocalOwnership implements InstanceOwnership {
  private readonly held = new Map<string, Held>();
  private readonly epochs = new Map<string, number>();
  private readonly shardId: string;

  constructor(private readonly options: LocalOwnershipOptions) {
    this.shardId = options.shardId ?? 'local';
  }

  async claim(instanceId: string, holder: LeaseHolder): Promise<Lease> {
    const other = this.held.get(instanceId);
    if (other && other.holder !== holder) {
      this.options.logger.warn('another session of this instance still had a socket; ending it first', { instanceId });
      this.held.delete(instanceId);
      await other.holder.end().catch(() => undefined);
    }
    const epoch = (this.epochs.get(instanceId) ?? 0) + 1;
    this.epochs.set(instanceId, epoch);
    const entry: Held = { holder, epoch };
    this.held.set(instanceId, entry);
    const current = () => this.held.get(instanceId) === entry;
    return {
      epoch,
      renew: async () => current(),
      release: async () => {
        if (current()) this.held.delete(instanceId);
      },
    };
  }

  async owner(instanceId: string): Promise<InstanceOwner | undefined> {
    return this.held.has(instanceId) ? { shardId: this.shardId, internalUrl: this.options.internalUrl } : undefined;
  }

  /** Instances held right now. */
  get size(): number {
    return this.held.size;
  }
}
