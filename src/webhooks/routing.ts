import type { Config } from '../shared/config';
import { EventFamily, eventFamily, AnyEvent } from '../events/envelope';

/** The edge function each event family goes to when no full URL overrides it. */
export const FAMILY_FUNCTIONS: Record<Exclude<EventFamily, 'campaign'>, string> = {
  messages: 'webhook_whatsapp_web',
  status: 'auto_whatsapp_sync',
  qr: 'webhook_qr_receiver',
};

type RoutingConfig = Pick<
  Config,
  'SUPABASE_FUNCTIONS_URL' | 'WEBHOOK_URL_MESSAGES' | 'WEBHOOK_URL_STATUS' | 'WEBHOOK_URL_QR' | 'WEBHOOK_URL_CAMPAIGN'
>;

const OVERRIDE: Record<EventFamily, keyof RoutingConfig> = {
  messages: 'WEBHOOK_URL_MESSAGES',
  status: 'WEBHOOK_URL_STATUS',
  qr: 'WEBHOOK_URL_QR',
  campaign: 'WEBHOOK_URL_CAMPAIGN',
};

export interface Route {
  family: EventFamily;
  /** undefined: nothing configured for this family (the event waits, see handler.ts) */
  url?: string;
  /** where the URL came from, for logs and docs */
  source: 'event' | 'override' | 'functions' | 'none';
}

/**
 * Picks the URL of one event: the event's own targetUrl (per-instance webhook, campaign callback)
 * wins, then the family's full-URL variable, then SUPABASE_FUNCTIONS_URL + the function name.
 * Campaign events have no edge function of their own: only targetUrl or WEBHOOK_URL_CAMPAIGN.
 */
export function routeEvent(event: Pick<AnyEvent, 'type' | 'targetUrl'>, config: RoutingConfig): Route {
  const family = eventFamily(event.type);
  if (event.targetUrl) return { family, url: event.targetUrl, source: 'event' };
  const override = config[OVERRIDE[family]];
  if (override) return { family, url: override, source: 'override' };
  if (family !== 'campaign' && config.SUPABASE_FUNCTIONS_URL) {
    return { family, url: `${config.SUPABASE_FUNCTIONS_URL.replace(/\/+$/, '')}/${FAMILY_FUNCTIONS[family]}`, source: 'functions' };
  }
  return { family, source: 'none' };
}

/** Families no event can reach without its own targetUrl; logged once at start. */
export function unroutedFamilies(config: RoutingConfig): EventFamily[] {
  const sample: Record<EventFamily, AnyEvent['type']> = { messages: 'message.received', status: 'connection.update', qr: 'qr.updated', campaign: 'campaign.progress' };
  return (Object.keys(sample) as EventFamily[]).filter((f) => !routeEvent({ type: sample[f] }, config).url);
}
