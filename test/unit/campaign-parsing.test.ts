import { parseContacts, INVALID_LIST_CAP } from '../../src/campaigns/contacts';
import { renderTemplate, hasPlaceholders } from '../../src/campaigns/template';
import { parseScheduledFor, SCHEDULE_GRACE_MS } from '../../src/campaigns/schema';
import { currentRate } from '../../src/campaigns/summary';
import { classifySendError, instanceVerdict } from '../../src/campaigns/classify';
import { campaignContent } from '../../src/campaigns/content';
import { AppError } from '../../src/shared/errors';

describe('templates', () => {
  it('renders {{name}} and any variable, spaces allowed, missing ones empty', () => {
    expect(renderTemplate('Oi {{name}}, {{ city }}!{{nope}}', { name: 'Ana', city: 'Recife' })).toBe('Oi Ana, Recife!');
    expect(renderTemplate('Oi {{name}}', undefined)).toBe('Oi ');
    expect(hasPlaceholders('no vars {here}')).toBe(false);
    expect(hasPlaceholders('one {{v}}')).toBe(true);
  });
});

describe('contacts', () => {
  it('normalises, de-duplicates (first wins) and reports invalid entries with their index', () => {
    const parsed = parseContacts(['5511999990001', '+55 (11) 99999-0001', { phone: '5511999990002', name: 'Bia', variables: { n: 3, ok: true, skip: null } }, 'abc', null, { phone: '5511999990003', variables: [1] }, '120363025246125486@g.us']);
    expect(parsed.recipients).toEqual([
      { to: '5511999990001' },
      { to: '5511999990002', vars: { n: '3', ok: 'true', name: 'Bia' } },
      { to: '120363025246125486@g.us' },
    ]);
    expect(parsed.duplicates).toBe(1);
    expect(parsed.invalidCount).toBe(3);
    expect(parsed.invalid.map((i) => [i.index, i.reason])).toEqual([[3, 'invalid_phone'], [4, 'not_a_contact'], [5, 'invalid_variables']]);
  });

  it('caps the list of invalid entries but counts them all', () => {
    const parsed = parseContacts(Array.from({ length: INVALID_LIST_CAP + 50 }, () => 'x'));
    expect(parsed.invalidCount).toBe(INVALID_LIST_CAP + 50);
    expect(parsed.invalid).toHaveLength(INVALID_LIST_CAP);
  });
});

describe('scheduledFor', () => {
  const now = Date.parse('2025-08-29T12:00:00Z');
  it('accepts ISO times with a zone in the future; a few seconds in the past means now', () => {
    expect(parseScheduledFor('2025-08-29T15:00:00Z', now)).toEqual({ at: Date.parse('2025-08-29T15:00:00Z') });
    expect(parseScheduledFor('2025-08-29T12:00:00-03:00', now).at).toBe(Date.parse('2025-08-29T15:00:00Z'));
    expect(parseScheduledFor(new Date(now - SCHEDULE_GRACE_MS / 2).toISOString(), now)).toEqual({ at: undefined });
    expect(parseScheduledFor(undefined, now)).toEqual({});
  });
  it('refuses the past, no zone, garbage and far future', () => {
    expect(parseScheduledFor('2025-08-29T11:00:00Z', now).error).toMatch(/past/);
    expect(parseScheduledFor('2025-08-29T15:00:00', now).error).toMatch(/zone/);
    expect(parseScheduledFor('tomorrow', now).error).toBeDefined();
    expect(parseScheduledFor('2025-13-01T10:00:00Z', now).error).toMatch(/not a valid time/);
    expect(parseScheduledFor('2027-08-29T15:00:00Z', now).error).toMatch(/year/);
  });
});

describe('current rate', () => {
  it('counts sends in the last minute, over the time since the start when shorter', () => {
    const now = 1_000_000;
    expect(currentRate([], now)).toBe(0);
    const everySecond = Array.from({ length: 30 }, (_, i) => now - i * 1000);
    expect(currentRate(everySecond, now)).toBe(30);
    expect(currentRate(everySecond.slice(0, 10), now, now - 10_000)).toBe(60);
    expect(currentRate([now - 120_000], now)).toBe(0);
  });
});

describe('send error classification', () => {
  it.each([
    ['invalid_recipient', 'recipient'],
    ['transient', 'retry'],
    ['timeout', 'retry'],
    ['circuit_open', 'hold'],
    ['instance_not_connected', 'hold'],
    ['instance_not_found', 'stop'],
    ['forbidden', 'stop'],
    ['rate_limited', 'stop'],
  ] as const)('%s -> %s', (code, verdict) => {
    expect(classifySendError(new AppError(code, 'x')).verdict).toBe(verdict);
  });
  it('our own pacer deferring is a hold, not a restriction', () => {
    expect(classifySendError(new AppError('rate_limited', 'paced', { paced: true })).verdict).toBe('hold');
    expect(instanceVerdict('reconnecting')).toBe('hold');
    expect(instanceVerdict('logged_out')).toBe('stop');
    expect(instanceVerdict(undefined)).toBe('stop');
  });
});

describe('campaign content', () => {
  const base = { message: 'Oi {{name}}', mediaUrl: 'https://cdn.example.com/a.jpg', templated: true };
  it('renders text or caption per contact; an empty text is a reason, not a blank message', () => {
    expect(campaignContent({ ...base, mediaType: 'text' }, { name: 'Ana' })).toEqual({ type: 'text', text: 'Oi Ana' });
    expect(campaignContent({ ...base, mediaType: 'image' }, { name: 'Ana' })).toMatchObject({ type: 'image', url: base.mediaUrl, caption: 'Oi Ana' });
    expect(campaignContent({ ...base, mediaType: 'audio' }, undefined)).toMatchObject({ type: 'audio', url: base.mediaUrl });
    expect(campaignContent({ ...base, message: '{{name}}', mediaType: 'text' }, undefined)).toHaveProperty('error');
  });
});
