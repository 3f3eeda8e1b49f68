/**
 * At most one socket per instance in this process, whoever asks: two sockets on the same
 * credentials kick each other off (440) and corrupt the shared Signal state. A session claims
 * the instance before it builds a socket; a different session still holding it is ended first.
 */
export interface SocketOwner {
  end(): Promise<void>;
}

export interface RegistryLogger {
  warn(message: string, meta?: Record<string, unknown>): unknown;
}

export class SocketRegistry {
  private readonly owners = new Map<string, SocketOwner>();

  constructor(private readonly logger: RegistryLogger) {}

  async claim(instanceId: string, owner: SocketOwner): Promise<void> {
    const other = this.owners.get(instanceId);
    if (other && other !== owner) {
      this.logger.warn('another session of this instance still had a socket; ending it first', { instanceId });
      this.owners.delete(instanceId);
      await other.end().catch(() => undefined);
    }
    this.owners.set(instanceId, owner);
  }

  release(instanceId: string, owner: SocketOwner): void {
    if (this.owners.get(instanceId) === owner) this.owners.delete(instanceId);
  }

  /** Instances with a socket right now. */
  get size(): number {
    return this.owners.size;
  }
}
