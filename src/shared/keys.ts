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
    /** STRING JSON answer of a number check for these phone digits (exists, phone, jid, lid), TTL CHECK_NUMBERS_TTL_HOURS */
    numberCheck: (phone: string) => `${p}:numcheck:${phone}`,
    /** STRING marker: the sandbox driver's stand-in for linked credentials (restores without a QR) */
    sandboxLinked: (instanceId: string) => `${p}:sandbox:${instanceId}:linked`,
    /** Per-instance pacing and circuit breaker state, shared by message-worker and broadcast-worker */
    pace: (instanceId: string) => `${p}:pace:${instanceId}`,
    pacePriority: (instanceId: string) => `${p}:pace:${instanceId}:priority`,
    circuit: (instanceId: string) => `${p}:circuit:${instanceId}`,
    /** STRING JSON of an instance's restriction state (reachout timelock, new-chat cap): written by whatsapp-server, read by every sender */
    restriction: (instanceId: string) => `${p}:restriction:${instanceId}`,
    /** ZSET canonical address (phone digits, LID jid) -> last inbound message (ms): the chats that wrote to us */
    inboundChats: (instanceId: string) => `${p}:inbound:${instanceId}`,
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
    /** HASH endpoint id -> URL: every webhook destination seen (GET /webhooks/endpoints) */
    webhookEndpoints: `${p}:webhooks:endpoints`,
    /** HASH one endpoint's health: disabled*, lastError*, lastStatus, lastSuccessAt, latencyMs, delivered, failed */
    webhookEndpoint: (endpointId: string) => `${p}:webhooks:ep:${endpointId}`,
    /** HASH one endpoint's circuit breaker (pacing/breaker-scripts.ts) */
    webhookEndpointCircuit: (endpointId: string) => `${p}:webhooks:ep:${endpointId}:circuit`,
    /** STRING one endpoint's rate limiter (GCRA theoretical arrival time, ms) */
    webhookEndpointRate: (endpointId: string) => `${p}:webhooks:ep:${endpointId}:rate`,
    /** ZSET job id -> time first held: deliveries waiting for this endpoint (paused, disabled, retrying) */
    webhookEndpointBacklog: (endpointId: string) => `${p}:webhooks:ep:${endpointId}:backlog`,
    /** ZSET event id -> arrival (µs, monotonic) of one chat's undelivered events (WEBHOOK_ORDER=chat) */
    webhookOrder: (chatKey: string) => `${p}:webhooks:order:${chatKey}`,
    /** STRING last arrival score of that chat; HASH event id -> ms of its next attempt */
    webhookOrderLast: (chatKey: string) => `${p}:webhooks:order:${chatKey}:last`,
    webhookOrderNext: (chatKey: string) => `${p}:webhooks:order:${chatKey}:next`,
    /** STRING destinations of one fanned-out event still undelivered (it leaves its chat's order at 0) */
    webhookOrderPending: (eventId: string) => `${p}:webhooks:order-pending:${eventId}`,
    /** HASH key name -> JSON scoped API key (sha256 of the secret, instances, read-only) */
    apiKeys: `${p}:apikeys`,
    /** STRING request count of one API key in one minute window (expires with the window) */
    rateLimit: (keyId: string, window: number) => `${p}:rl:${keyId}:${window}`,
    /** STRING dashboard session id -> JSON { key name } (expires with the session) */
    dashboardSession: (sessionId: string) => `${p}:dash:${sessionId}`,
    /** LIST of JSON message-log rows waiting for PostgreSQL (bounded: MESSAGE_LOG_BUFFER_MAX) */
    logBuffer: `${p}:log:buffer`,
    /** STRING count of rows refused because the buffer was full (never silent: counted and logged) */
    logDropped: `${p}:log:dropped`,
    /** STRING token of the webhook-worker draining the buffer (one writer at a time) */
    logWriter: `${p}:log:writer`,
    /** STRING the next send slot (µs) of one Messenger page, and of all pages (rates shared by workers) */
    messengerRate: (instanceId: string) => `${p}:msgr:rate:${instanceId}`,
    messengerRateAll: `${p}:msgr:rate-all`,
    /** STRING Messenger page mid -> our message id (receipts arrive with Facebook's mid) */
    messengerMid: (instanceId: string, mid: string) => `${p}:msgr:mid:${instanceId}:${mid}`,
    /** HASH page id -> instance id (inbound webhooks name the page, not the instance) */
    messengerPages: `${p}:msgr:pages`,
    /** HASH instance id -> JSON { pageId, accessToken } (never in the registry: the API returns registry records) */
    messengerCredentials: `${p}:msgr:creds`,
    /** ZSET our message ids to one PSID by send time (read receipts carry only a watermark) */
    messengerRecent: (instanceId: string, psid: string) => `${p}:msgr:recent:${instanceId}:${psid}`,
    /** HASH per-page breaker (auth failures), the circuit breaker's layout under its own key */
    messengerBreaker: (instanceId: string) => `${p}:msgr:circuit:${instanceId}`,
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;
