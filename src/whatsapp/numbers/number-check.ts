/**
 * "Which of these numbers are on WhatsApp, and in which form?" for POST /instance/:id/check-numbers
 * and for the workers' checkNumber(s) sends (through POST /internal/check): whatsapp-server is the
 * one place that asks WhatsApp and caches the answers, because only it holds the sockets.
 *
 * - Each phone is asked in every spelling brazil-phone.ts gives (a Brazilian mobile in both its 8-
 *   and 9-digit forms); the first registered spelling wins, named as WhatsApp names the account.
 * - Questions go to the session in batches of CHECK_BATCH phones, one after another (never in
 *   parallel): one usync query per batch, as WhatsApp's own clients sync contacts in lists, instead
 *   of a query per number; small enough that one slow answer never holds 500 numbers.
 * - Answers, positive and negative, are cached in Redis per phone as asked (keys.numberCheck) for
 *   CHECK_NUMBERS_TTL_HOURS, shared by every instance (whether a number has an account does not
 *   depend on who asks); bursts of lookups are themselves a ban signal, so a number is asked once.
 */
import type { Redis } from 'ioredis';
import { AppError } from '../../shared/errors';
import type { RedisKeys } from '../../shared/keys';
import { parseWaAddress } from '../address';
import { phoneForms } from './brazil-phone';
import type { NumberLookup, WhatsAppSession } from '../types';

/** phones per directory query (see above) */
export const CHECK_BATCH = 50;
/** phones per check request */
export const MAX_CHECK_PHONES = 500;

/** One answer of a check, in the order asked. */
export interface NumberCheck {
  /** the entry as given */
  input: string;
  exists: boolean;
  /** the registered form's digits when it exists, else the input's digits */
  phone: string;
  /** `<phone>@s.whatsapp.net` */
  jid: string;
  /** the account's LID, when WhatsApp told it */
  lid?: string;
  /** answered from the cache (no question to WhatsApp) */
  cached: boolean;
}

type Answer = Omit<NumberCheck, 'input' | 'cached'>;

export interface NumberCheckerDeps {
  redis: Redis;
  keys: Pick<RedisKeys, 'numberCheck'>;
  ttlSeconds: number;
  sessions: { connectedSession(instanceId: string): Promise<Pick<WhatsAppSession, 'checkNumbers'>> };
  batchSize?: number;
}

const pnJid = (phone: string) => `${phone}@s.whatsapp.net`;

/** The digits of every entry; entries that are not a phone number (a LID, a group, text) are one 400 listing them. */
export function requirePhones(inputs: ReadonlyArray<string | number>, field = 'phones'): string[] {
  const bad: Array<{ field: string; message: string }> = [];
  const phones = inputs.map((input, i) => {
    const address = parseWaAddress(String(input));
    if (address?.kind === 'pn') return address.phone;
    bad.push({ field: `${field}.${i}`, message: `not a phone number (country code first, 8 to 15 digits): ${String(input)}` });
    return '';
  });
  if (bad.length) {
    const more = bad.length > 1 ? ` (and ${bad.length - 1} more)` : '';
    throw new AppError('validation_failed', `invalid input: ${bad[0].field}: ${bad[0].message}${more}`, { fields: bad.slice(0, 100) });
  }
  return phones;
}

export class NumberChecker {
  constructor(private readonly deps: NumberCheckerDeps) {}

  /** Answers every entry (400 for a bad one; 404 / 409 when the instance is unknown or not connected). */
  async check(instanceId: string, inputs: ReadonlyArray<string | number>): Promise<NumberCheck[]> {
    const phones = requirePhones(inputs);
    const session = await this.deps.sessions.connectedSession(instanceId);
    const unique = [...new Set(phones)];
    const cached = await this.read(unique);
    const misses = unique.filter((p) => !cached.has(p));
    const fresh = misses.length ? await this.lookUp(session, misses) : new Map<string, Answer>();
    await this.write(fresh);
    return phones.map((phone, i) => {
      const hit = cached.get(phone);
      return { input: String(inputs[i]), ...(hit ?? fresh.get(phone)!), cached: hit !== undefined };
    });
  }

  /** Every spelling of every phone, asked in batches; each phone resolved to its first registered spelling. */
  private async lookUp(session: Pick<WhatsAppSession, 'checkNumbers'>, phones: string[]): Promise<Map<string, Answer>> {
    const forms = new Map(phones.map((p) => [p, phoneForms(p)]));
    const asks = [...new Set([...forms.values()].flat())];
    const answers = new Map<string, NumberLookup>();
    const batch = this.deps.batchSize ?? CHECK_BATCH;
    for (let i = 0; i < asks.length; i += batch) {
      for (const a of await session.checkNumbers(asks.slice(i, i + batch))) answers.set(a.phone, a);
    }
    const out = new Map<string, Answer>();
    for (const phone of phones) {
      const answer = resolve(phone, forms.get(phone)!, answers);
      out.set(phone, answer);
      // the registered form asked on its own resolves to itself (it is first among its forms, or
      // the other form has no account): cache it too, so a later check of it asks nothing
      if (answer.exists && answer.phone !== phone && !out.has(answer.phone)) out.set(answer.phone, answer);
    }
    return out;
  }

  private async read(phones: string[]): Promise<Map<string, Answer>> {
    const raw = await this.deps.redis.mget(...phones.map((p) => this.deps.keys.numberCheck(p)));
    const out = new Map<string, Answer>();
    raw.forEach((text, i) => {
      const answer = text ? parseAnswer(text) : undefined;
      if (answer) out.set(phones[i], answer);
    });
    return out;
  }

  private async write(answers: Map<string, Answer>): Promise<void> {
    if (!answers.size) return;
    const multi = this.deps.redis.multi();
    for (const [phone, answer] of answers) multi.set(this.deps.keys.numberCheck(phone), JSON.stringify(answer), 'EX', Math.max(1, Math.round(this.deps.ttlSeconds)));
    await multi.exec();
  }
}

function resolve(phone: string, forms: string[], answers: Map<string, NumberLookup>): Answer {
  for (const form of forms) {
    const a = answers.get(form);
    if (!a?.exists) continue;
    const jid = a.jid ?? pnJid(form);
    return { exists: true, phone: jid.split('@')[0], jid, ...(a.lid ? { lid: a.lid } : {}) };
  }
  return { exists: false, phone, jid: pnJid(phone) };
}

/** A cached answer, or undefined for anything unreadable (asked again). */
function parseAnswer(text: string): Answer | undefined {
  try {
    const a = JSON.parse(text) as Partial<Answer>;
    if (typeof a.exists !== 'boolean' || typeof a.phone !== 'string' || typeof a.jid !== 'string') return undefined;
    return { exists: a.exists, phone: a.phone, jid: a.jid, ...(typeof a.lid === 'string' ? { lid: a.lid } : {}) };
  } catch {
    return undefined;
  }
}
