/**
 * Every Redis key the daemon owns (besides Bull's own `<prefix>:<queue>:*`), built in one place
 * so the layout is visible, prefixes never collide, and cleanup code finds what it must delete.
 */
export function redisKeys(prefix: string) {
  const p = `${prefix}:x`;
  return {
    prefix: p,
    /** HASH instanceId -> JSON registry entry */
    instances: `${p}:instances`,
    authCreds: (instanceId: string) => `${p}:auth:${instanceId}:creds`,
    authKeys: (instanceId: string, type: string) => `${p}:auth:${instanceId}:keys:${type}`,
    /** STRING messageId -> JSON result of the first send (idempotent internal send) */
    sendRecord: (messageId: string) => `${p}:sent:${messageId}`,
    /** HASH message status record */
    message: (messageId: string) => `${p}:msg:${messageId}`,
    /** STRING WhatsApp message id -> our message id (receipts) */
    waMessage: (instanceId: string, waMessageId: string) => `${p}:wamsg:${instanceId}:${waMessageId}`,
    idempotency: (key: string) => `${p}:idem:${key}`,
    /** STRING marker: the sandbox driver's stand-in for linked credentials (restores without a QR) */
    sandboxLinked: (instanceId: string) => `${p}:sandbox:${instanceId}:linked`,
    /** Per-instance pacing and circuit breaker state, shared by message-worker and broadcast-worker */
    pace: (instanceId: string) => `${p}:pace:${instanceId}`,
    pacePriority: (instanceId: string) => `${p}:pace:${instanceId}:priority`,
    circuit: (instanceId: string) => `${p}:circuit:${instanceId}`,
    dailyCount: (instanceId: string, day: string) => `${p}:daily:${instanceId}:${day}`,
    campaign: (campaignId: string) => `${p}:camp:${campaignId}`,
    campaignRecipients: (campaignId: string) => `${p}:camp:${campaignId}:recipients`,
    campaignState: (campaignId: string) => `${p}:camp:${campaignId}:state`,
    campaignFailed: (campaignId: string) => `${p}:camp:${campaignId}:failed`,
    campaignCounters: (campaignId: string) => `${p}:camp:${campaignId}:counters`,
    /** HASH recipient -> JSON template variables (only for contacts that carry name/variables) */
    campaignVars: (campaignId: string) => `${p}:camp:${campaignId}:vars`,
    /** SETs of recipients counted once as delivered / read (receipts arrive more than once) */
    campaignDelivered: (campaignId: string) => `${p}:camp:${campaignId}:delivered`,
    campaignRead: (campaignId: string) => `${p}:camp:${campaignId}:read`,
    /** LIST of the latest send times (ms), newest first: current rate and ETA */
    campaignRecent: (campaignId: string) => `${p}:camp:${campaignId}:recent`,
    /** STRING token of the worker running the campaign (one runner at a time) */
    campaignLock: (campaignId: string) => `${p}:camp:${campaignId}:lock`,
    /** STRING campaign message id -> "campaignId\nrecipient" (receipts update campaign counters) */
    campaignMessage: (messageId: string) => `${p}:campmsg:${messageId}`,
    campaigns: `${p}:campaigns`,
    /** ZSET event id -> time it was dead-lettered (the index of undeliverable webhooks) */
    deadLetters: `${p}:webhooks:dead`,
    /** HASH event id -> JSON dead letter (event, last status/error, attempts, time) */
    deadLetterEvents: `${p}:webhooks:dead:events`,
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;
