import { createHmac, createPublicKey, verify } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { ConfigError, loadConfig } from '../../src/shared/config';
import { isStandardSecret } from '../../src/shared/signing-keys';
import { signHeaders, verifySignature } from '../../src/webhooks/signature';
import { signatureSet } from '../../src/webhooks/signing/signer';
import { hmacV1 } from '../../src/webhooks/signing/hmac-v1';
import { ed25519V1a, publicKeyOf } from '../../src/webhooks/signing/ed25519-v1a';
import { signersFromConfig } from '../../src/webhooks/signing/from-config';
import { scheduledDelay, scheduleAttempts } from '../../src/webhooks/schedule';

const ROOT = join(__dirname, '..', '..');
const SECRET = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
const PREVIOUS = `whsec_${Buffer.from('previous-secret-of-32-bytes-long').toString('base64')}`;
const SIGNING_KEY = `whsk_${Buffer.alloc(32, 7).toString('base64')}`;
const body = JSON.stringify({ id: 'evt_1', type: 'message.received', instanceId: 'i1', timestamp: '2024-01-01T00:00:00.000Z', data: { text: 'olá' } });
const headersOf = (signing: Parameters<typeof signHeaders>[0]) => signHeaders(signing, 'evt_1', body) as unknown as Record<string, string>;

describe('Standard Webhooks signatures, checked by the official standardwebhooks package', () => {
  it('a whsec_ secret signs v1 over the decoded key: Webhook(secret).verify accepts it, a tampered body not', () => {
    const headers = headersOf(signatureSet([hmacV1(SECRET)]));
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(SECRET).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(SECRET).verify(body.replace('olá', 'ola'), headers)).toThrow('No matching signature');
    expect(() => new Webhook(PREVIOUS).verify(body, headers)).toThrow('No matching signature');
    // the one-secret helper and the Node check agree with the library
    expect(verifySignature({ secret: SECRET, body, headers })).toBe(true);
  });

  it('during a rotation both secrets sign: a receiver holding either one verifies', () => {
    const config = loadConfig({ WEBHOOK_SECRET: SECRET, WEBHOOK_SECRET_PREVIOUS: PREVIOUS });
    const headers = headersOf(signatureSet(signersFromConfig(config)));
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(SECRET).verify(body, headers)).toBeTruthy();
    expect(new Webhook(PREVIOUS).verify(body, headers)).toBeTruthy();
  });

  it('ed25519 signs v1a with a whsk_ key; the package checks v1 only, so v1a is verified with node:crypto', () => {
    const config = loadConfig({ WEBHOOK_SECRET: SECRET, WEBHOOK_SIGNING_KEY: SIGNING_KEY });
    const headers = headersOf(signatureSet(signersFromConfig(config)));
    const [v1, v1a] = headers['webhook-signature'].split(' ');
    expect(v1).toMatch(/^v1,/);
    expect(v1a).toMatch(/^v1a,/);
    // standardwebhooks 1.x skips every entry that is not v1
    expect(() => new Webhook(SECRET).verify(body, { ...headers, 'webhook-signature': v1a })).toThrow('No matching signature');
    const whpk = publicKeyOf(SIGNING_KEY);
    expect(whpk).toMatch(/^whpk_[A-Za-z0-9+/]{43}=$/);
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(whpk.slice(5), 'base64').toString('base64url') }, format: 'jwk' });
    const content = `${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`;
    expect(verify(null, Buffer.from(content), key, Buffer.from(v1a.slice(4), 'base64'))).toBe(true);
    expect(verify(null, Buffer.from(content + ' '), key, Buffer.from(v1a.slice(4), 'base64'))).toBe(false);
    expect(verifySignature({ publicKey: whpk, body, headers })).toBe(true);
    expect(verifySignature({ publicKey: publicKeyOf(`whsk_${Buffer.alloc(32, 8).toString('base64')}`), body, headers })).toBe(false);
    // the 64-byte (seed + public key) form of the same key signs the same
    const long = `whsk_${Buffer.concat([Buffer.alloc(32, 7), Buffer.from(whpk.slice(5), 'base64')]).toString('base64')}`;
    expect(ed25519V1a(long).sign('x')).toBe(ed25519V1a(SIGNING_KEY).sign('x'));
  });

  it('a legacy secret (no prefix) keeps its meaning: the old hand-written check still verifies', () => {
    const legacy = 'a-webhook-secret-of-some-length';
    const headers = headersOf(signatureSet(signersFromConfig(loadConfig({ WEBHOOK_SECRET: legacy }))));
    // the check docs/webhooks.md used to ask for: HMAC keyed with the text's UTF-8 bytes
    const oldCheck = (secret: string, h: Record<string, string>, raw: string) => {
      const expected = createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${h['webhook-id']}.${h['webhook-timestamp']}.${raw}`).digest('base64');
      return h['webhook-signature'].split(' ').some((e) => e === `v1,${expected}`);
    };
    expect(oldCheck(legacy, headers, body)).toBe(true);
    expect(verifySignature({ secret: legacy, body, headers })).toBe(true);
    expect(isStandardSecret(legacy)).toBe(false);
    // the package reads such a secret with { format: 'raw' } (its bytes as written)
    expect(new Webhook(legacy, { format: 'raw' }).verify(body, headers)).toBeTruthy();
  });
});

describe('webhook signing configuration', () => {
  const errorOf = (env: Record<string, string>) => {
    try {
      loadConfig(env);
    } catch (err) {
      return err as ConfigError;
    }
    throw new Error('expected a ConfigError');
  };

  it('refuses a whsec_ secret that is not base64 of 24 to 64 bytes, naming the variable', () => {
    expect(errorOf({ WEBHOOK_SECRET: `whsec_${Buffer.alloc(16).toString('base64')}` })).toMatchObject({ variable: 'WEBHOOK_SECRET', message: expect.stringContaining('24 to 64 bytes') });
    expect(errorOf({ WEBHOOK_SECRET: 'whsec_not base64!' }).variable).toBe('WEBHOOK_SECRET');
    expect(errorOf({ WEBHOOK_SECRET: 'short' }).variable).toBe('WEBHOOK_SECRET');
    expect(errorOf({ WEBHOOK_SECRET: SECRET, WEBHOOK_SECRET_PREVIOUS: 'whsec_AAAA' }).variable).toBe('WEBHOOK_SECRET_PREVIOUS');
    expect(errorOf({ WEBHOOK_SIGNING_KEY: 'whsk_AAAA' }).variable).toBe('WEBHOOK_SIGNING_KEY');
    expect(errorOf({ WEBHOOK_SIGNING_KEY: SECRET }).variable).toBe('WEBHOOK_SIGNING_KEY');
    expect(loadConfig({ WEBHOOK_SECRET: SECRET, WEBHOOK_SIGNING_KEY: SIGNING_KEY }).WEBHOOK_SECRET).toBe(SECRET);
  });

  it('reads the retry schedule as a list of delays; the default is the spec example (about 3 days)', () => {
    const def = loadConfig({}).WEBHOOK_RETRY_SCHEDULE;
    expect(def).toEqual([5e3, 3e5, 18e5, 72e5, 18e6, 36e6, 504e5, 72e6, 864e5]);
    expect(def.reduce((a, b) => a + b, 0) / 3_600_000).toBeCloseTo(75.6, 1);
    expect(scheduleAttempts(def)).toBe(10);
    expect(loadConfig({ WEBHOOK_RETRY_SCHEDULE: '250ms, 5s,1m,1.5h,1d,30' }).WEBHOOK_RETRY_SCHEDULE).toEqual([250, 5000, 60000, 5_400_000, 86_400_000, 30]);
    expect(errorOf({ WEBHOOK_RETRY_SCHEDULE: '5s,soon' })).toMatchObject({ variable: 'WEBHOOK_RETRY_SCHEDULE', message: expect.stringContaining('"soon"') });
    expect(errorOf({ WEBHOOK_ORDER: 'fifo' }).variable).toBe('WEBHOOK_ORDER');
    // an old .env with the replaced variables still starts
    expect(loadConfig({ WEBHOOK_ATTEMPTS: '15', WEBHOOK_BACKOFF_MS: '2000' }).WEBHOOK_ATTEMPTS).toBe('15');
  });

  it('waits the scheduled delay plus at most 10 %, and nothing after the last entry', () => {
    const s = [5000, 300_000];
    expect(scheduledDelay(s, 1, 0)).toBe(5000);
    expect(scheduledDelay(s, 1, 0.999)).toBeLessThanOrEqual(5500);
    expect(scheduledDelay(s, 2, 0)).toBe(300_000);
    expect(scheduledDelay(s, 3)).toBeUndefined();
  });

  it('npm start generates WEBHOOK_SECRET as whsec_ + base64 of 32 bytes, which the package takes', () => {
    const rel = join('node_modules', '.cache', `env-test-${process.pid}`);
    mkdirSync(join(ROOT, 'node_modules', '.cache'), { recursive: true });
    try {
      execFileSync('node', [join(ROOT, 'scripts', 'lib', 'init-env.js')], { env: { ...process.env, ENV_FILE: rel, WEBHOOK_SECRET: '' }, stdio: 'pipe' });
      const secret = /^WEBHOOK_SECRET=(\S+)$/m.exec(readFileSync(join(ROOT, rel), 'utf8'))?.[1] ?? '';
      expect(isStandardSecret(secret)).toBe(true);
      expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
      const headers = headersOf(secret);
      expect(new Webhook(secret).verify(body, headers)).toBeTruthy();
    } finally {
      rmSync(join(ROOT, rel), { force: true });
    }
  });
});
