import { AppError, isAppError } from '../shared/errors';
import type { ChannelSender, ChannelSendRequest, ChannelSendResult, RecipientCheck } from '../channels/sender';
import { InternalClient, InternalClientOptions } from '../whatsapp/internal-client';
import type { OwnerLookup } from './owner-lookup';

/** tries per call: the cached owner, then twice more with a fresh lookup */
const TRIES = 3;

/**
 * The workers' WhatsApp sender on sharded servers: each call goes to the internal API of the shard
 * that holds the instance (OwnerLookup, cached), on that shard's own keep-alive pool. A not_owner
 * answer or a shard that cannot be reached re-resolves the owner and tries again; when no shard
 * holds the instance (failover under way, or it is not running) the answer is
 * instance_not_connected, a wait that does not use attempts and never opens the circuit.
 * A send that reached a shard and failed is never retried here: the message id makes the retry
 * of the job safe, and only the send pipeline decides about retries.
 */
export class RoutedClient implements ChannelSender {
  readonly channel = 'whatsapp' as const;
  private readonly clients = new Map<string, InternalClient>();

  constructor(private readonly owners: OwnerLookup, private readonly options: Omit<InternalClientOptions, 'baseUrl'>) {}

  send(request: ChannelSendRequest): Promise<ChannelSendResult> {
    return this.call(request.instanceId, (c) => c.send(request));
  }

  presence(instanceId: string, to: string, state: 'composing' | 'paused'): Promise<void> {
    return this.call(instanceId, (c) => c.presence(instanceId, to, state));
  }

  checkRecipient(instanceId: string, to: string): Promise<RecipientCheck> {
    return this.call(instanceId, (c) => c.checkRecipient(instanceId, to));
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }

  private async call<T>(instanceId: string, fn: (client: InternalClient) => Promise<T>): Promise<T> {
    let last = 'no shard holds it now (failover or handoff under way, or it is not running)';
    for (let attempt = 0; attempt < TRIES; attempt++) {
      const owner = await this.owners.get(instanceId, attempt > 0);
      if (!owner) break;
      try {
        return await fn(this.client(owner.internalUrl));
      } catch (err) {
        if (!isAppError(err)) throw err;
        this.owners.invalidate(instanceId);
        if (err.code === 'not_owner') {
          last = `shard ${owner.shardId} no longer holds it`;
          continue;
        }
        if (!refused(err)) throw err;
        last = `its shard ${owner.shardId} cannot be reached (${err.message})`;
        await new Promise((r) => setTimeout(r, 250 * (attempt + 1)));
      }
    }
    throw new AppError('instance_not_connected', `instance ${instanceId}: ${last}`, { status: 'moving', instanceId }, { retryAfterMs: 1000 });
  }

  private client(baseUrl: string): InternalClient {
    let client = this.clients.get(baseUrl);
    if (!client) {
      client = new InternalClient({ ...this.options, baseUrl });
      this.clients.set(baseUrl, client);
    }
    return client;
  }
}

/**
 * The shard went away under the request (refused, reset, unreachable): whatever it was doing, the
 * send ledger settles it, so the send is tried again wherever the instance is now.
 */
function refused(err: AppError): boolean {
  const cause = (err.details as { cause?: string } | undefined)?.cause;
  return err.code === 'transient' && (cause === 'ECONNREFUSED' || cause === 'ECONNRESET' || cause === 'EHOSTUNREACH' || cause === 'ENOTFOUND' || cause === 'EPIPE' || cause === 'ETIMEDOUT');
}
