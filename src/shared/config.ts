import { z } from 'zod';
import { validate as validateCron } from 'node-cron';

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
  WA_VERSION: waVersion,
  WA_WEBSOCKET_URL: url(['ws:', 'wss:']).default('wss://web.whatsapp.com/ws/chat'),
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
  /** recent messages kept per instance (no media bytes) for media downloads, quoting and resend requests */
  WA_RECENT_MESSAGES: int(500, 0),
  RESTORE_CONCURRENCY: int(5, 1),
  RESTORE_JITTER_MS: int(1000),
  MEDIA_MAX_BYTES: int(64 * 1024 * 1024, 1),
  /** how long POST /instance/create waits for a pairing code before answering without it */
  PAIRING_CODE_WAIT_MS: int(10000, 0),

  SUPABASE_FUNCTIONS_URL: optionalUrl,
  SUPABASE_SERVICE_ROLE_KEY: optionalString,
  WEBHOOK_SECRET: secret,
  WEBHOOK_URL_MESSAGES: optionalUrl,
  WEBHOOK_URL_STATUS: optionalUrl,
  WEBHOOK_URL_QR: optionalUrl,
  WEBHOOK_URL_CAMPAIGN: optionalUrl,
  WEBHOOK_TIMEOUT_MS: int(10000, 100),
  WEBHOOK_ATTEMPTS: int(15, 1),
  WEBHOOK_BACKOFF_MS: int(2000, 1),
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
  /** typing simulation: composing time per character of text, and its cap */
  TYPING_MS_PER_CHAR: int(40),
  TYPING_MAX_MS: int(4000),
  /** longest a single message waits in the worker for its pacing slot; further ahead, the job is delayed instead */
  PACING_MAX_WAIT_MS: int(30000),
  /** DNS deadline when checking that a mediaUrl is public */
  MEDIA_URL_DNS_TIMEOUT_MS: int(2000, 1),

  BROADCAST_MAX_CONTACTS: int(100000, 1),
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

  /** Bull Board (/admin/queues) basic auth: this user with API_KEY or ADMIN_PASSWORD as the password */
  ADMIN_USER: z.string().min(1).default('admin'),
  ADMIN_PASSWORD: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(8, 'must be at least 8 characters').optional()),
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
