import { createHmac } from 'node:crypto';
import { computeSignature, signHeaders, verifySignature } from '../../src/webhooks/signature';
import { classifyStatus, parseRetryAfter } from '../../src/webhooks/deliver';
import { routeEvent, unroutedFamilies } from '../../src/webhooks/routing';

const secret = 'a-webhook-secret-of-some-length';
const body = JSON.stringify({ id: 'evt_1', type: 'message.received', instanceId: 'i1', timestamp: '2024-01-01T00:00:00.000Z', data: { text: 'olá' } });

describe('webhook signature', () => {
  const now = 1_700_000_000_000;
  const headers = signHeaders(secret, 'evt_1', body, now);

  it('is v1 + base64 HMAC-SHA256 of id.timestamp.body keyed with the secret as UTF-8', () => {
    const expected = createHmac('sha256', Buffer.from(secret, 'utf8')).update(`evt_1.${now / 1000}.${body}`).digest('base64');
    expect(headers).toEqual({ 'webhook-id': 'evt_1', 'webhook-timestamp': String(now / 1000), 'webhook-signature': `v1,${expected}` });
    expect(computeSignature(secret, 'evt_1', now / 1000, body)).toBe(expected);
  });

  it('verifies the untouched delivery', () => {
    expect(verifySignature({ secret, body, headers, nowMs: now + 1000 })).toBe(true);
  });

  it('rejects a tampered body, id, timestamp, signature or secret', () => {
    expect(verifySignature({ secret, body: body.replace('olá', 'ola'), headers, nowMs: now })).toBe(false);
    expect(verifySignature({ secret, body, headers: { ...headers, 'webhook-id': 'evt_2' }, nowMs: now })).toBe(false);
    expect(verifySignature({ secret, body, headers: { ...headers, 'webhook-timestamp': String(now / 1000 + 1) }, nowMs: now })).toBe(false);
    const sig = headers['webhook-signature'];
    // change one base64 digit well inside the signature (the last digits hold padding bits)
    const flipped = sig.slice(0, 10) + (sig[10] === 'A' ? 'B' : 'A') + sig.slice(11);
    expect(verifySignature({ secret, body, headers: { ...headers, 'webhook-signature': flipped }, nowMs: now })).toBe(false);
    expect(verifySignature({ secret: `${secret}x`, body, headers, nowMs: now })).toBe(false);
    expect(verifySignature({ secret, body, headers: { 'webhook-id': 'evt_1' }, nowMs: now })).toBe(false);
  });

  it('rejects timestamps outside the tolerance (replays) and accepts one of several signatures', () => {
    expect(verifySignature({ secret, body, headers, nowMs: now + 6 * 60_000 })).toBe(false);
    expect(verifySignature({ secret, body, headers, nowMs: now - 6 * 60_000 })).toBe(false);
    const multi = { ...headers, 'Webhook-Signature': `v1,bm9wZQ== ${headers['webhook-signature']}` } as Record<string, string>;
    delete multi['webhook-signature'];
    expect(verifySignature({ secret, body, headers: multi, nowMs: now })).toBe(true);
  });
});

describe('webhook retry classification', () => {
  it('parses Retry-After as seconds or an HTTP date, capped at an hour', () => {
    const now = Date.parse('2024-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Mon, 01 Jan 2024 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('999999', now)).toBe(3_600_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('retries 5xx, 429 and 408; fails other 4xx and 3xx at once', () => {
    expect(classifyStatus(200, undefined, '')).toBeUndefined();
    expect(classifyStatus(204, undefined, '')).toBeUndefined();
    for (const s of [500, 502, 503, 429, 408]) expect(classifyStatus(s, undefined, '')?.retryable).toBe(true);
    for (const s of [400, 401, 404, 410, 422, 301]) expect(classifyStatus(s, undefined, '')?.retryable).toBe(false);
    expect(classifyStatus(429, '2', '')?.retryAfterMs).toBe(2000);
    expect(classifyStatus(410, '2', '')?.retryAfterMs).toBeUndefined();
  });
});

describe('webhook routing', () => {
  const base = { SUPABASE_FUNCTIONS_URL: 'https://x.supabase.co/functions/v1/' };

  it('sends each family to its edge function', () => {
    expect(routeEvent({ type: 'message.received' }, base).url).toBe('https://x.supabase.co/functions/v1/webhook_whatsapp_web');
    expect(routeEvent({ type: 'message.status' }, base).url).toMatch(/webhook_whatsapp_web$/);
    expect(routeEvent({ type: 'message.failed' }, base).url).toMatch(/webhook_whatsapp_web$/);
    expect(routeEvent({ type: 'connection.update' }, base).url).toMatch(/auto_whatsapp_sync$/);
    expect(routeEvent({ type: 'instance.circuit' }, base).url).toMatch(/auto_whatsapp_sync$/);
    expect(routeEvent({ type: 'qr.updated' }, base).url).toMatch(/webhook_qr_receiver$/);
    expect(routeEvent({ type: 'pairing.code' }, base).url).toMatch(/webhook_qr_receiver$/);
    expect(routeEvent({ type: 'campaign.progress' }, base).url).toBeUndefined();
    expect(unroutedFamilies(base)).toEqual(['campaign']);
  });

  it('prefers targetUrl, then the family override, then the functions URL', () => {
    const cfg = { ...base, WEBHOOK_URL_QR: 'https://crm.example/qr', WEBHOOK_URL_CAMPAIGN: 'https://crm.example/camp' };
    expect(routeEvent({ type: 'qr.updated' }, cfg)).toEqual({ family: 'qr', url: 'https://crm.example/qr', source: 'override' });
    expect(routeEvent({ type: 'campaign.completed' }, cfg).url).toBe('https://crm.example/camp');
    expect(routeEvent({ type: 'qr.updated', targetUrl: 'https://inst.example/hook' }, cfg)).toMatchObject({ url: 'https://inst.example/hook', source: 'event' });
    expect(routeEvent({ type: 'message.received' }, {})).toEqual({ family: 'messages', source: 'none' });
    expect(unroutedFamilies({})).toEqual(['messages', 'status', 'qr', 'campaign']);
  });
});
