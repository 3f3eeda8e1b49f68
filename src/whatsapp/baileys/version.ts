/**
 * The WhatsApp Web version every socket announces. WhatsApp refuses stale versions (close 405),
 * and Baileys' bundled one ages, so: fetch the current one from web.whatsapp.com at first use
 * (one fetch shared by all instances, with a deadline), else WA_VERSION from config, else the
 * version bundled with Baileys. After a 405, invalidate() makes the next socket fetch again.
 * Baileys 7's fetchLatestWaWebVersion takes fetch() options (RequestInit), not axios ones, so the
 * deadline is an AbortSignal; it never throws (falls back to the bundled version, isLatest false).
 */
import type { WAVersion } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };
import type { Baileys } from './loader';

export interface VersionLogger {
  info(message: string, meta?: Record<string, unknown>): unknown;
  warn(message: string, meta?: Record<string, unknown>): unknown;
}

export type FetchLatest = (timeoutMs: number) => Promise<{ version: WAVersion; isLatest: boolean; error?: unknown }>;

export interface VersionSourceOptions {
  /** WA_VERSION from config */
  configured?: [number, number, number];
  /** 0 disables fetching (offline deployments, tests) */
  fetchTimeoutMs: number;
  logger: VersionLogger;
  /** defaults to Baileys' fetchLatestWaWebVersion */
  fetchLatest?: FetchLatest;
}

export interface VersionSource {
  get(): Promise<WAVersion>;
  /** Forget the current version (after a 405), so the next get() fetches again. */
  invalidate(): void;
}

export function createVersionSource(baileys: Baileys, opts: VersionSourceOptions): VersionSource {
  const fetchLatest: FetchLatest =
    opts.fetchLatest ?? ((timeoutMs) => baileys.fetchLatestWaWebVersion({ signal: AbortSignal.timeout(timeoutMs) }));
  let current: Promise<WAVersion> | undefined;

  const resolve = async (): Promise<WAVersion> => {
    if (opts.fetchTimeoutMs > 0) {
      try {
        const r = await fetchLatest(opts.fetchTimeoutMs);
        if (r.isLatest) {
          opts.logger.info('whatsapp web version fetched', { version: r.version.join('.') });
          return r.version;
        }
        opts.logger.warn('could not fetch the whatsapp web version', { error: describe(r.error) });
      } catch (err) {
        opts.logger.warn('could not fetch the whatsapp web version', { error: describe(err) });
      }
    }
    if (opts.configured) return [...opts.configured] as WAVersion;
    const bundled = bundledVersion(baileys);
    opts.logger.warn('using the whatsapp web version bundled with baileys (set WA_VERSION if WhatsApp refuses it with 405)', {
      version: bundled.join('.'),
    });
    return bundled;
  };

  return {
    get() {
      if (!current) current = resolve();
      return current;
    },
    invalidate() {
      current = undefined;
    },
  };
}

/** DEFAULT_CONNECTION_CONFIG.version is the version Baileys ships with. */
export function bundledVersion(baileys: Baileys): WAVersion {
  return [...baileys.DEFAULT_CONNECTION_CONFIG.version] as WAVersion;
}

function describe(err: unknown): string | undefined {
  if (err == null) return undefined;
  if (err instanceof Error) return err.message;
  return typeof err === 'object' && 'message' in err ? String((err as { message: unknown }).message) : String(err);
}
