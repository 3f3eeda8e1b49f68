import express from 'express';
import request from 'supertest';
import { presentedKey, requireKey, safeEqual } from '../../src/http/auth';
import { errorHandler } from '../../src/http/errors';
import { silentLogger } from '../../src/shared/logger';

const KEY = 'k'.repeat(32);

function app() {
  const a = express();
  a.use(requireKey(KEY));
  a.get('/x', (_req, res) => res.json({ ok: true }));
  a.use(errorHandler(silentLogger()));
  return a;
}

describe('API key auth', () => {
  it('compares keys of any length without throwing', () => {
    expect(safeEqual(KEY, KEY)).toBe(true);
    expect(safeEqual(KEY, `${KEY}x`)).toBe(false);
    expect(safeEqual('', KEY)).toBe(false);
  });

  it('reads Bearer and apikey headers', () => {
    expect(presentedKey({ headers: { authorization: `Bearer ${KEY}` } } as never)).toBe(KEY);
    expect(presentedKey({ headers: { authorization: `bearer   ${KEY}` } } as never)).toBe(KEY);
    expect(presentedKey({ headers: { apikey: KEY } } as never)).toBe(KEY);
    expect(presentedKey({ headers: { authorization: `Basic ${KEY}` } } as never)).toBeUndefined();
  });

  it('accepts the key in either header', async () => {
    await request(app()).get('/x').set('Authorization', `Bearer ${KEY}`).expect(200, { ok: true });
    await request(app()).get('/x').set('apikey', KEY).expect(200, { ok: true });
  });

  it('answers 401 JSON without or with a wrong key', async () => {
    for (const headers of [{}, { apikey: 'wrong' }, { Authorization: `Bearer ${KEY.slice(1)}` }]) {
      const res = await request(app()).get('/x').set(headers);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ success: false, error: { code: 'unauthorized', message: expect.stringContaining('API key') } });
    }
  });
});
