import { z } from 'zod';
import { validate as validateCron } from 'node-cron';
import { signingKeyProblem, webhookSecretProblem } from './signing-keys';
import { parseDurationList } from './durations';
import { budgetConfigShape } from './budget-config';

/**
 * All configuration is read from the environment once, at start, through this module.
 * A bad value stops the process with a message that names the variable (ConfigError).
 * Names are a contract with scripts, tests and operators: see .env.example and the README.
 */

const port = (def: number) => z.coerce.number().int().min(1).max(65535).default(def);
const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);
const num = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().min(min).max(max).default(def);
const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');
const url = (protocols: string[]) =>
  z
    .string()
    .refine((v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    }, `must be a URL (${protocols.join(' or ')})`);
const cron = (def: string) =>
  z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .default(def)
      .refine((v) => v === 'off' || validateCron(v), 'must be a cron expression like "*/5 * * * *", or off'),
  );
const optionalUrl = z.preprocess((v) => (v === '' ? undefined : v), url(['http:', 'https:']).optional());
const optionalString = z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());
const secret = z.preprocess((v) => (v === '' ? undefined : v), z.string().min(16, 'must be at least 16 characters').optional());
/** whsec_<base64> (Standard Webhooks) or, as before the prefix existed, any text of 16+ characters */
const webhookSecret = z.preprocess(
  (v) => (v === '' ? undefined : v),
  z
    .string()
    .superRefine((v, ctx) => {
      const problem = webhookSecretProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
);
const signingKey = z.preprocess(
  (v) => (v === '' ? undefined : v),
  z
    .string()
    .superRefine((v, ctx) => {
      const problem = signingKeyProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
);
/** the Standard Webhooks example schedule: retries after 5 s, 5 min, 30 min, 2, 5, 10, 14, 20 and 24 h (about 3 days) */
export const DEFAULT_WEBHOOK_RETRY_SCHEDULE = '5s,5m,30m,2h,5h,10h,14h,20h,24h';
const durationList = (def: string) =>
  z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .default(def)
      .transform((v, ctx) => {
        const parsed = parseDurationList(v);
        if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
        else if (parsed.length > 50) ctx.addIssue({ code: 'custom', message: 'at most 50 retries' });
        return typeof parsed === 'string' ? [] : parsed;
      }),
  );
/** chats whose traffic Baileys drops before decrypting (Socket/messages-recv.js:1589-1602 shouldIgnoreJid) */
export const IGNORABLE_JID_KINDS = ['status', 'newsletter', 'broadcast'] as const;
export type IgnorableJidKind = (typeof IGNORABLE_JID_KINDS)[number];
const ignoreJids = z.preprocess(
  (v) => (v === undefined ? 'status,newsletter' : v),
  z
    .string()
    .transform((v, ctx) => {
      const kinds = [...new Set(v.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s && s !== 'none'))];
      const bad = kinds.filter((k) => !(IGNORABLE_JID_KINDS as readonly string[]).includes(k));
      if (bad.length) ctx.addIssue({ code: 'custom', message: `unknown kind ${bad.join(', ')}: a comma-separated list of ${IGNORABLE_JID_KINDS.join(', ')} (or none)` });
      return kinds as IgnorableJidKind[];
    }),
);
const waVersion = z.preprocess(
  (v) => (v === '' ? undefined : v),
  z
    .string()
    .regex(/^\d+\.\d+\.\d+$/, 'must look like 2.3000.1234567890')
    .transform((v) => v.split('.').map(Number) as [number, number, number])
    .optional(),
);

export const configSchema = z.object({
  NODE_ENV: z.string().default('production'),
  REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
  /** Redis Sentinel: host:port list (comma-separated); with it every connection asks the sentinels for the master of REDIS_SENTINEL_NAME */
  REDIS_SENTINELS: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .regex(/^\s*[^\s,:]+:\d{1,5}\s*(,\s*[^\s,:]+:\d{1,5}\s*)*$/, 'like 10.0.0.1:26379,10.0.0.2:26379')
      .optional(),
  ),
  REDIS_SENTINEL_NAME: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - only').default('mymaster'),
  /** password of the sentinels themselves (the master's password stays in REDIS_URL) */
  REDIS_SENTINEL_PASSWORD: optionalString,
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/, 'letters, digits, _ . - only (max 40)').default('wa'),
  API_KEY: secret,
  INTERNAL_TOKEN: secret,
  HOST: z.string().min(1).default('0.0.0.0'),
  WORKER_HOST: z.string().min(1).default('127.0.0.1'),
  SERVER_PORT: port(3001),
  MESSAGE_WORKER_PORT: port(3002),
  WEBHOOK_WORKER_PORT: port(3003),
  BROADCAST_WORKER_PORT: port(3004),
  /** Where workers reach whatsapp-server's internal API; derived from SERVER_PORT when unset. */
  INTERNAL_API_URL: optionalUrl,
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']).default('info'),
  SHUTDOWN_TIMEOUT_MS: int(20000, 100),
  BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i, 'like 1mb or 512kb').default('1mb'),
  /** Bull job lock: a killed worker's active jobs are taken over once it expires (renewed every half) */
  QUEUE_LOCK_DURATION_MS: int(30000, 1000),
  /** how often a worker looks for jobs whose lock expired (stalled) and moves them back to wait */
  QUEUE_STALLED_INTERVAL_MS: int(15000, 500),

  WHATSAPP_DRIVER: z.enum(['baileys', 'sandbox']).default('baileys'),
  SANDBOX_LATENCY_MS: int(50),
  SANDBOX_FAILURE_RATE: num(0, 0, 1),
  SANDBOX_LOG_FILE: optionalString,
  /** sandbox: how long a brand new instance shows its QR before it links by itself (0 = link at once, no QR) */
  SANDBOX_LINK_DELAY_MS: int(1500),
  /** sandbox: gap between the receipts of a sent message (server_ack, delivered, read) */
  SANDBOX_RECEIPT_DELAY_MS: int(200),
  /** sandbox: share of sends WhatsApp "rejects" after the server ack (a late 463), 0 to 1 */
  SANDBOX_LATE_REJECT_RATE: num(0, 0, 1),
  /** sandbox: every contact has a LID; inbound messages and receipts come from it (from still filled) */
  SANDBOX_LID_CONTACTS: bool(false),
  WA_VERSION: waVersion,
  WA_WEBSOCKET_URL: url(['ws:', 'wss:']).default('wss://web.whatsapp.com/ws/chat'),
  /** chats never decrypted nor stored: status stories (status@broadcast), channels (@newsletter), all @broadcast; '' or none = none */
  WA_IGNORE_JIDS: ignoreJids,
  WA_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'),
  /** deadline of the WhatsApp Web version fetch at start (0 = never fetch: WA_VERSION or the bundled one) */
  WA_VERSION_FETCH_TIMEOUT_MS: int(5000),
  /** reconnect backoff: first step and cap (jitter 50-100% of each step) */
  WA_RECONNECT_BASE_MS: int(1000, 1),
  WA_RECONNECT_MAX_MS: int(60000, 1),
  /** loop guard: more closes than WA_LOOP_MAX_CLOSES within WA_LOOP_WINDOW_MS -> status failed (credentials kept) */
  WA_LOOP_MAX_CLOSES: int(10, 1),
  WA_LOOP_WINDOW_MS: int(600000, 1),
  /** an instance the loop guard stopped tries again by itself this often (0 = never; restart by hand) */
  WA_FAILED_RETRY_MS: int(600000),
  /** the message store (Redis, whole messages, no media bytes): the newest this many sent and received per instance, for resend requests, quotes, poll votes and media downloads (0 = keep none) */
  WA_MESSAGE_STORE_MAX: int(5000, 0),
  /** ...each kept this long (a retry request after a deploy finds the original within this window) */
  WA_MESSAGE_STORE_TTL_HOURS: num(168, 0.001, 8760),
  RESTORE_CONCURRENCY: int(5, 1),
  RESTORE_JITTER_MS: int(1000),

  /** whatsapp-server processes (shards) PM2 runs on this host; 1 = one server holding every socket, as before shards */
  SERVER_SHARDS: z.coerce.number().int().min(1).max(32).default(1),
  /** set by ecosystem.config.js for each shard: 0 .. SERVER_SHARDS-1 */
  SHARD_INDEX: z.coerce.number().int().min(0).max(31).default(0),
  /** auto: Redis leases when SERVER_SHARDS > 1; on: always (one shard per host, several hosts on one Redis); off: never */
  SHARDING: z.enum(['auto', 'on', 'off']).default('auto'),
  /** this shard's id, unique in the cluster (default <hostname>-<SHARD_INDEX>) */
  SHARD_ID: z.preprocess((v) => (v === '' ? undefined : v), z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - only (max 64)').optional()),
  /** with SERVER_SHARDS > 1: shard i listens on SHARD_PORT_BASE + i; SERVER_PORT (the front door) goes to whichever shard holds it */
  SHARD_PORT_BASE: port(3011),
  /** the internal URL this shard advertises (workers and other shards call it); {port} = its port. Default http://127.0.0.1:{port} */
  SHARD_INTERNAL_URL: optionalString,
  /** a shard's lease of an instance lives this long unless renewed; a dead shard's instances move after it */
  SHARD_LEASE_TTL_MS: int(30000, 1000),
  SHARD_LEASE_RENEW_MS: int(10000, 100),
  /** how often a shard looks for instances nobody holds (expired or handed-over leases) */
  SHARD_SCAN_MS: int(1000, 100),
  MEDIA_MAX_BYTES: int(64 * 1024 * 1024, 1),
  /** how long POST /instance/create waits for a pairing code before answering without it */
  PAIRING_CODE_WAIT_MS: int(10000, 0),

  SUPABASE_FUNCTIONS_URL: optionalUrl,
  SUPABASE_SERVICE_ROLE_KEY: optionalString,
  /** HMAC key of the `v1` signatures: whsec_<base64> (Standard Webhooks); without the prefix, the raw text (legacy) */
  WEBHOOK_SECRET: webhookSecret,
  /** during a rotation: the secret being replaced; every delivery then carries both signatures */
  WEBHOOK_SECRET_PREVIOUS: webhookSecret,
  /** optional ed25519 private key (whsk_<base64>): adds a `v1a` signature; GET /webhooks/public-key gives its whpk_ */
  WEBHOOK_SIGNING_KEY: signingKey,
  /** during a rotation of the ed25519 key: the key being replaced (its v1a signature is sent too) */
  WEBHOOK_SIGNING_KEY_PREVIOUS: signingKey,
  WEBHOOK_URL_MESSAGES: optionalUrl,
  WEBHOOK_URL_STATUS: optionalUrl,
  WEBHOOK_URL_QR: optionalUrl,
  WEBHOOK_URL_CAMPAIGN: optionalUrl,
  WEBHOOK_TIMEOUT_MS: int(10000, 100),
  /** the waits before each retry (the first attempt is immediate): one attempt more than entries */
  WEBHOOK_RETRY_SCHEDULE: durationList(DEFAULT_WEBHOOK_RETRY_SCHEDULE),
  /** no longer read (WEBHOOK_RETRY_SCHEDULE replaced them); accepted so an old .env still starts, with a warning */
  WEBHOOK_ATTEMPTS: optionalString,
  WEBHOOK_BACKOFF_MS: optionalString,
  /** endpoint circuit breaker: failures in a row (network, timeout, 5xx) that pause one destination URL */
  WEBHOOK_CIRCUIT_THRESHOLD: int(10, 1),
  /** first pause of a failing endpoint; each failed probe doubles it, up to WEBHOOK_CIRCUIT_MAX_PAUSE_MS */
  WEBHOOK_CIRCUIT_PAUSE_MS: int(10000, 1),
  WEBHOOK_CIRCUIT_MAX_PAUSE_MS: int(120000, 1),
  /** events held by a paused or disabled endpoint look again at least this often (they are woken at once when it resumes) */
  WEBHOOK_HELD_RECHECK_MS: int(300000, 10),
  /** deliveries per second to one endpoint (0 = no limit), counted in Redis across webhook-workers */
  WEBHOOK_ENDPOINT_RATE_PER_S: num(0, 0, 100000),
  /** `chat`: the events of one chat reach the CRM in the order they happened (a later one waits); `none`: as fast as possible */
  WEBHOOK_ORDER: z.enum(['none', 'chat']).default('none'),
  WEBHOOK_CONCURRENCY: int(50, 1),
  /** keep-alive sockets per edge-function host (connection pool of webhook-worker) */
  WEBHOOK_MAX_SOCKETS: int(64, 1),
  /** how often an event with no URL configured for its family looks again (attempts not counted) */
  WEBHOOK_UNROUTED_RETRY_MS: int(60000, 10),
  /** dead-letter set bound; the oldest entries are dropped beyond it */
  DEAD_LETTER_MAX: int(10000, 1),

  MESSAGE_CONCURRENCY: int(20, 1),
  MESSAGE_ATTEMPTS: int(8, 1),
  MESSAGE_BACKOFF_MS: int(2000, 1),
  MESSAGE_RETENTION_DAYS: num(7, 0.001),
  IDEMPOTENCY_TTL_SECONDS: int(86400, 1),
  PACING_MIN_GAP_MS: int(3000),
  PACING_JITTER_MS: int(2000),
  TYPING_SIMULATION: bool(false),
  CIRCUIT_FAILURE_THRESHOLD: int(5, 1),
  CIRCUIT_PAUSE_MS: int(300000, 1),
  NOT_CONNECTED_RETRIES: int(20, 0),
  ALLOW_PRIVATE_MEDIA_URLS: bool(false),
  /** deadline of one internal send (media upload included); past it the send is retried with the same id */
  INTERNAL_SEND_TIMEOUT_MS: int(30000, 100),
  /** how long a registry lookup (instance exists, its pacing settings) is trusted in memory */
  INSTANCE_CACHE_MS: int(3000),
  /** how far ahead scheduledFor / delayMs may point */
  MESSAGE_MAX_SCHEDULE_DAYS: int(30, 1),
  /** wait between tries while the instance is not connected (not counted as failures) */
  NOT_CONNECTED_DELAY_MS: int(5000, 1),
  /** how many times one message waits for an open circuit before it fails */
  CIRCUIT_MAX_WAITS: int(100, 0),
  /** a late 463 marks the reachout timelock active for this long (WhatsApp gives no end); 0 = a 463 marks nothing */
  RESTRICTION_ACK_HOLD_MS: int(1800000),
  /** a single message held by a restriction (new chat while timelocked) looks again at least this often */
  RESTRICTION_RECHECK_MS: int(60000, 10),
  /** how many times one single message waits for a restriction to end before it fails (restricted) */
  RESTRICTION_MAX_WAITS: int(60, 0),
  /** typing simulation: composing time per character of text, and its cap */
  TYPING_MS_PER_CHAR: int(40),
  TYPING_MAX_MS: int(4000),
  /** longest a single message waits in the worker for its pacing slot; further ahead, the job is delayed instead */
  PACING_MAX_WAIT_MS: int(30000),
  /** DNS deadline when checking that a mediaUrl is public */
  MEDIA_URL_DNS_TIMEOUT_MS: int(2000, 1),
  /** how long a number check (on WhatsApp or not, in which form) is trusted before WhatsApp is asked again */
  CHECK_NUMBERS_TTL_HOURS: num(168, 0.001),

  BROADCAST_MAX_CONTACTS: int(100000, 1),
  /** the day cap's old name: read when BUDGET_PER_DAY is unset (budget-config.ts) */
  BROADCAST_DAILY_CAP: int(0),
  BROADCAST_QUIET_HOURS: z
    .preprocess((v) => (v === '' ? undefined : v), z.string().regex(/^\d{1,2}-\d{1,2}$/, 'like 22-8 (hours, server time)').optional()),
  BROADCAST_PROGRESS_EVERY: int(50, 1),
  /** ...or at least every this many ms while a campaign sends */
  BROADCAST_PROGRESS_INTERVAL_MS: int(10000, 100),
  /** JSON body limit of POST /queue/add-broadcast only (100,000 contacts need about 4 MB) */
  BROADCAST_BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i, 'like 20mb or 512kb').default('20mb'),
  /** campaigns run at once by one broadcast-worker (a paused campaign keeps its slot) */
  BROADCAST_CONCURRENCY: int(10, 1),
  /** tries per recipient on transient send errors before the recipient is marked failed */
  BROADCAST_RECIPIENT_ATTEMPTS: int(3, 1),

  ...budgetConfigShape,

  /** Bull Board (/admin/queues) basic auth: this user with API_KEY or ADMIN_PASSWORD as the password */
  ADMIN_USER: z.string().min(1).default('admin'),
  ADMIN_PASSWORD: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(8, 'must be at least 8 characters').optional()),
  /** requests per minute per API key (the admin key and each scoped key), counted in Redis; 0 = no limit */
  API_RATE_LIMIT_PER_MIN: int(1000),
  /** how long a dashboard login lasts (the session cookie expires with it) */
  DASHBOARD_SESSION_TTL_S: int(43200, 60),
  /** serve whatsapp-server's GET /metrics without the API key (workers' ports are loopback-only and open) */
  METRICS_PUBLIC: bool(false),
  /** refresh interval of the custom metrics shown by `pm2 monit` */
  PM2_METRICS_INTERVAL_MS: int(5000, 500),
  /** maintenance schedules (cron syntax, server time, 'off' disables); whatsapp-server enqueues, webhook-worker works */
  CRON_CLEAN: cron('23 * * * *'),
  CRON_EXPIRE: cron('43 3 * * *'),
  CRON_TRIM_DEAD_LETTERS: cron('*/15 * * * *'),
  CRON_HEARTBEAT: cron('*/5 * * * *'),
  /** completed and failed jobs older than this many days are removed (empty: MESSAGE_RETENTION_DAYS) */
  JOB_RETENTION_DAYS: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().min(0.001).optional()),

  /** the message log in PostgreSQL (history of every outcome and receipt); off: nothing is logged */
  MESSAGE_LOG: z.enum(['on', 'off']).default('on'),
  DATABASE_URL: z.preprocess((v) => (v === '' ? undefined : v), url(['postgres:', 'postgresql:']).default('postgresql://127.0.0.1:5432/postgres')),
  /** the PostgreSQL schema of the log's table (tests use one per run) */
  MESSAGE_LOG_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,40}$/, 'lower-case letters, digits, _ (max 41)').default('wa_log'),
  /** days of partitions kept; older ones are dropped by CRON_MESSAGE_LOG */
  MESSAGE_LOG_RETENTION_DAYS: int(7, 1),
  /** days of partitions created ahead of today */
  MESSAGE_LOG_DAYS_AHEAD: int(3, 1),
  /** rows per INSERT, and how often the writer flushes a smaller batch */
  MESSAGE_LOG_BATCH_SIZE: int(200, 1),
  MESSAGE_LOG_FLUSH_MS: int(2000, 10),
  /** rows the Redis buffer holds while PostgreSQL is away; beyond it rows are refused and counted (wa_message_log_dropped) */
  MESSAGE_LOG_BUFFER_MAX: int(1_000_000, 1),
  DATABASE_POOL_MAX: int(4, 1),
  /** partition roll: create the days ahead, drop the days past retention */
  CRON_MESSAGE_LOG: cron('7 * * * *'),

  /** Messenger (Facebook Pages through the Graph API) */
  GRAPH_API_URL: url(['http:', 'https:']).default('https://graph.facebook.com'),
  GRAPH_API_VERSION: z.string().regex(/^v\d+\.\d+$/, 'like v21.0').default('v21.0'),
  /** keep-alive sockets of the Graph client, per worker process */
  MESSENGER_MAX_SOCKETS: int(500, 1),
  MESSENGER_TIMEOUT_MS: int(15000, 100),
  /** app secret: X-Hub-Signature-256 of Facebook's webhook; unset = the webhook is refused */
  MESSENGER_APP_SECRET: optionalString,
  /** the hub.verify_token Facebook echoes when the webhook is subscribed */
  MESSENGER_VERIFY_TOKEN: optionalString,
  /** sends per second per page and for all pages together, shared by every worker (Redis); 0 = no limit */
  MESSENGER_PAGE_RATE: int(50),
  MESSENGER_GLOBAL_RATE: int(100),
  /** per-page breaker: this many auth failures (expired/invalid token) in a row pause the page */
  MESSENGER_AUTH_FAILURES: int(5, 1),
  MESSENGER_AUTH_PAUSE_MS: int(300000, 1),
  /** a page Messenger throttled (codes 4, 17, 32, 613) waits this long before its next try */
  MESSENGER_THROTTLE_BACKOFF_MS: int(5000, 10),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly variable: string, detail: string) {
    super(`Invalid configuration: ${variable} ${detail}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // `VAR=` in .env means "use the default", as .env.example writes it.
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(given);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue.path[0] ?? 'environment');
    throw new ConfigError(variable, `${issue.message} (got ${JSON.stringify(env[variable] ?? null)})`);
  }
  return parsed.data;
}

/** Secrets every process needs; start.sh generates them into .env, tests pass their own. */
export function requireSecrets(config: Config, names: Array<'API_KEY' | 'INTERNAL_TOKEN' | 'WEBHOOK_SECRET'>): void {
  for (const name of names) {
    if (!config[name]) throw new ConfigError(name, 'is required (run `npm start` once to generate it into .env)');
  }
}

export function internalApiUrl(config: Config): string {
  return config.INTERNAL_API_URL ?? `http://127.0.0.1:${config.SERVER_PORT}`;
}
