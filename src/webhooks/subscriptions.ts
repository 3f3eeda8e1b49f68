import type { Config } from '../shared/config';
import type { AnyEvent, EventType } from '../events/envelope';
import { EVENT_TYPES, isEventType } from '../events/catalog';
import { routeEvent, Route } from './routing';

/** What an instance asked for (its registry record): where its events go and which ones. */
export interface Subscription {
  /** the instance's one URL of old (whatsapp-server stamps it on the events it publishes as targetUrl) */
  webhookUrl?: string;
  /** more URLs: every event of the instance goes to webhookUrl and each of these */
  webhookUrls?: string[];
  /** event types (`message.received`) or families of them (`message.*`); absent: every event */
  events?: string[];
}

/** Does a subscription's event list take this type? `*` and `prefix.*` patterns match families. */
export function wants(events: readonly string[] | undefined, type: EventType): boolean {
  if (!events) return true;
  return events.some((p) => p === type || p === '*' || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))));
}

/** A valid webhookEvents entry: an event type, `*`, or `family.*` naming at least one type. */
export function isEventPattern(p: string): boolean {
  return p === '*' || isEventType(p) || (p.endsWith('.*') && EVENT_TYPES.some((t) => t.startsWith(p.slice(0, -1))));
}

export interface Destinations {
  route: Route;
  /** deduplicated; empty when nothing is configured for the event's family (it waits) */
  urls: string[];
  /** the instance's subscription does not take this event type: it is not delivered */
  skipped?: boolean;
}

/** Operator events (about the webhook endpoints themselves) go to the family URL, never to an instance's. */
const OPERATOR_EVENTS = new Set<EventType>(['webhook.endpoint']);

/**
 * Where one event goes, first match wins:
 * 1. the event's own targetUrl when it is not one of the instance's (a campaign callback URL);
 * 2. with `webhookUrls` set: the instance's URLs (webhookUrl and webhookUrls), for every event;
 * 3. otherwise the routing of old (routing.ts): the event's targetUrl (whatsapp-server stamps the
 *    instance's webhookUrl on what it publishes), then the family's URL.
 * An instance's `webhookEvents` filters every event of that instance, whichever URL it would take.
 */
export function destinations(event: AnyEvent, sub: Subscription | undefined, config: Parameters<typeof routeEvent>[1]): Destinations {
  const operator = OPERATOR_EVENTS.has(event.type);
  const route = routeEvent(operator ? { type: event.type } : event, config);
  if (operator || !sub) return { route, urls: route.url ? [route.url] : [] };
  if (!wants(sub.events, event.type)) return { route, urls: [], skipped: true };
  const own = [...(sub.webhookUrl ? [sub.webhookUrl] : []), ...(sub.webhookUrls ?? [])];
  if (event.targetUrl && !own.includes(event.targetUrl)) return { route, urls: [event.targetUrl] };
  if (sub.webhookUrls?.length) return { route: { ...route, url: own[0], source: 'event' }, urls: [...new Set(own)] };
  return { route, urls: route.url ? [route.url] : [] };
}

export type SubscriptionLookup = (instanceId: string) => Promise<Subscription | undefined>;

/**
 * An instance's subscription, read from the registry and trusted for ttlMs (INSTANCE_CACHE_MS),
 * so a burst of one instance's events reads it once; a change reaches the worker within ttlMs.
 */
export function cachedSubscriptions(lookup: SubscriptionLookup, ttlMs: number): SubscriptionLookup {
  const cache = new Map<string, { at: number; value: Promise<Subscription | undefined> }>();
  return (instanceId) => {
    const hit = cache.get(instanceId);
    if (hit && Date.now() - hit.at < ttlMs) return hit.value;
    const value = lookup(instanceId).catch((err) => {
      cache.delete(instanceId);
      throw err;
    });
    if (cache.size >= 10_000) cache.clear();
    cache.set(instanceId, { at: Date.now(), value });
    return value;
  };
}

export type RoutingConfig = Pick<Config, 'SUPABASE_FUNCTIONS_URL' | 'WEBHOOK_URL_MESSAGES' | 'WEBHOOK_URL_STATUS' | 'WEBHOOK_URL_QR' | 'WEBHOOK_URL_CAMPAIGN'>;
