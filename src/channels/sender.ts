/**
 * The port the send pipeline sends through, one implementation per channel (WhatsApp's is the
 * internal HTTP client to whatsapp-server's sockets). The pipeline owns the policy (circuit,
 * pacing, budget, retries); a sender only carries one message and classifies its failure as an
 * AppError, so every channel shares the same retry and wait rules.
 */
import { AppError } from '../shared/errors';
import type { Channel } from './channel';
import type { SendContent, SendResult } from './content';

export interface ChannelSendRequest {
  instanceId: string;
  /** the recipient in its canonical form (WhatsApp: phone digits, LID or group JID) */
  to: string;
  content: SendContent;
  /** our id; a sender must make a repeated id harmless (WhatsApp: the send ledger) */
  messageId: string;
}

export interface ChannelSendResult extends SendResult {
  /** true when the channel had already sent this id and answered with the first result */
  duplicate: boolean;
}

/** A recipient looked up before its send (checkNumber): does it exist on the channel, and where to send. */
export interface RecipientCheck {
  exists: boolean;
  /** the recipient to send to, canonical (WhatsApp: the registered form of the number) */
  to: string;
}

export interface ChannelSender {
  readonly channel: Channel;
  send(request: ChannelSendRequest): Promise<ChannelSendResult>;
  /** a typing indicator before a send; best effort, a channel without one resolves at once */
  presence(instanceId: string, to: string, state: 'composing' | 'paused'): Promise<void>;
  /** looks a recipient up (WhatsApp: is the number on WhatsApp, in which form); a channel without it cannot honour checkNumber */
  checkRecipient?(instanceId: string, to: string): Promise<RecipientCheck>;
  /** frees sockets and timers (process shutdown) */
  close(): void;
}

/** The senders of a process, chosen by the instance's channel. */
export class ChannelSenders {
  private readonly byChannel = new Map<Channel, ChannelSender>();

  constructor(senders: ChannelSender[]) {
    for (const s of senders) this.byChannel.set(s.channel, s);
  }

  /** The sender of a channel; a channel this process cannot send on is refused, never dropped. */
  for(channel: Channel): ChannelSender {
    const sender = this.byChannel.get(channel);
    if (!sender) throw new AppError('bad_request', `this process has no sender for channel ${channel}`, { channel }, { retryable: false });
    return sender;
  }

  close(): void {
    for (const s of this.byChannel.values()) s.close();
  }
}
