/**
 * The channels an instance can speak through. Each channel has its own driver and error classes
 * and shares everything else (queues, workers, pacing, retries, campaigns, webhooks). Only
 * WhatsApp (Baileys) and Messenger (a Facebook Page through the Graph API, src/messenger/); a new
 * channel adds its name here and a ChannelSender (sender.ts).
 */
export const CHANNELS = ['whatsapp', 'messenger'] as const;

export type Channel = (typeof CHANNELS)[number];

/** Instances registered before channels existed are WhatsApp instances. */
export const DEFAULT_CHANNEL: Channel = 'whatsapp';

export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && (CHANNELS as readonly string[]).includes(value);
}
