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
    /** ZSET WhatsApp message id -> stored at (ms) and HASH id -> BufferJSON WAMessage: the instance's sent and received messages (baileys/message-store.ts), deleted with its auth state */
    messageStoreIndex: (instanceId: string) => `${p}:wastore:${instanceId}:index`,
    messageStoreData: (instanceId: string) => `${p}:wastore:${instanceId}:messages`,
    /** STRING messageId -> JSON result of the first send (idempotent internal send) */
    sendRecord: (messageId: string) => `${p}:sent:${messageId}`,
    /** HASH message status record */
    message: (messageId: string) => `${p}:msg:${messageId}`,
    /** STRING WhatsApp message id -> our message id (receipts) */
    waMessage: (instanceId: string, waMessageId: string) => `${p}:wamsg:${instanceId}:${waMessageId}`,
    idempotency: (key: string) => `${p}:idem:${key}`,
    /** STRING JSON answer of a number check for these phone digits (exists, phone, jid, lid), TTL CHECK_NUMBERS_TTL_HOURS */
    numberCheck: (phone: string) => `${p}:numcheck:${phone}`,
    /** HASH one shard's lease of an instance's socket: shard, inc (its process), epoch, url (PX SHARD_LEASE_TTL_MS) */
    lease: (instanceId: string) => `${p}:lease:${instanceId}`,
    /** STRING the instance's fencing epoch: INCR on every claim, never lowered; auth and ledger writes check it */
    leaseEpoch: (instanceId: string) => `${p}:lease:${instanceId}:epoch`,
    /** ZSET instanceId -> lease deadline (ms, Redis time): instances that should run on a shard; a past score = nobody holds it since then */
    leases: `${p}:leases`,
    /** STRING the shard an instance goes to next (move, handoff, drain), short TTL */
    placement: (instanceId: string) => `${p}:placement:${instanceId}`,
    /** SET every shard id seen; STRING one shard's live entry (JSON, PX: it disappears when the shard stops renewing it) */
    shards: `${p}:shards`,
    shard: (shardId: string) => `${p}:shard:${shardId}`,
    /** HASH shardId -> JSON last entry (kept after the shard is gone, for GET /shards) */
    shardsSeen: `${p}:shards:seen`,
    /** SET shard ids an operator drained (placement skips them, they hand their instances over) */
    shardsDraining: `${p}:shards:draining`,
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
    /** HASH voter (PN JID, else LID JID) -> JSON option hashes of their latest vote on one poll (poll.vote tallies), expires with the retention */
    pollVotes: (instanceId: string, pollId: string) => `${p}:poll:${instanceId}:${pollId}`,
    dailyCount: (instanceId: string, day: string) => `${p}:daily:${instanceId}:${day}`,
    /** The send budget (src/budget/), per instance: ZSET reservation token -> send time (the last hour: minute and hour caps) */
    budgetSends: (instanceId: string) => `${p}:budget:${instanceId}:sends`,
    /** STRING sends to chats that never wrote, per local day (the new-chat cap) */
    budgetNewChats: (instanceId: string, day: string) => `${p}:budget:${instanceId}:newchats:${day}`,
    /** ZSET token -> send time of one rendered text (sha1) in the last hour, and its STRING "being spread" marker */
    budgetSame: (instanceId: string, hash: string) => `${p}:budget:${instanceId}:same:${hash}`,
    budgetSameSpread: (instanceId: string, hash: string) => `${p}:budget:${instanceId}:same:${hash}:spread`,
    /** HASH lastSendAt, restartAt (warm-up restarted after an idle period) */
    budgetState: (instanceId: string) => `${p}:budget:${instanceId}:state`,
    /** Health inputs, ZSETs over HEALTH_WINDOW_HOURS: messages sent, their delivery receipts and late rejections (scored by send time) */
    healthSent: (instanceId: string) => `${p}:health:${instanceId}:sent`,
    healthDelivered: (instanceId: string) => `${p}:health:${instanceId}:delivered`,
    healthRejected: (instanceId: string) => `${p}:health:${instanceId}:rejected`,
    /** ZSETs campaign recipient -> send time, and those who wrote back -> reply time (the reply rate) */
    healthCampaignSent: (instanceId: string) => `${p}:health:${instanceId}:campaign`,
    healthReplied: (instanceId: string) => `${p}:health:${instanceId}:replied`,
    /** HASH level, score, changedAt: the last health level reported (instance.health) */
    health: (instanceId: string) => `${p}:health:${instanceId}`,
    /** HASH contact (phone digits, LID jid) -> JSON suppression entry; scope = instance id, or '*' (SUPPRESSION_SCOPE=global) */
    suppressions: (scope: string) => `${p}:suppress:${scope}`,
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
