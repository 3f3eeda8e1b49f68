import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Router } from 'express';
import { createServerApp } from '../../src/http/server-app';
import { AppError } from '../../src/shared/errors';
import { silentLogger } from '../../src/shared/logger';
import type { FrontHandler } from '../../src/http/rooms/room';

/**
 * A room's front handler (rooms/room.ts) on the listening server: asked before Express, a request
 * it declines reaches the rooms untouched, and an error it reports gets the app's JSON error answer.
 */
const seen: string[] = [];
const front: FrontHandler = (req, res, fail) => {
  if (req.url === '/front/ok') {
    seen.push('front');
    res.writeHead(200, { 'content-type': 'text/plain' }).end('front');
    return true;
  }
  if (req.url === '/front/fail') {
    setImmediate(() => fail(new AppError('validation_failed', 'the front handler refused it')));
    return true;
  }
  return false;
};

let server: Server;
let base: string;

beforeAll(async () => {
  const router = Router();
  router.get('/front/ok', (_req, res) => void res.send('express'));
  router.get('/plain', (_req, res) => void res.json({ from: 'express' }));
  const health = { processName: 'whatsapp-server' as const, redis: { status: 'ready' } as never, queues: [] };
  const app = createServerApp({ logger: silentLogger(), health, rooms: [], fallback: { name: 'public', prefix: '/', router, front } });
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise((r) => server.close(r)));

test('the listening server asks the front handler first', async () => {
  const res = await fetch(`${base}/front/ok`);
  expect(await res.text()).toBe('front');
  expect(seen).toEqual(['front']);
});

test('a request the front handler declines goes through Express as before', async () => {
  const res = await fetch(`${base}/plain`);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ from: 'express' });
  expect((await fetch(`${base}/nowhere`)).status).toBe(404);
});

test('an error the front handler reports is answered by the app error handler', async () => {
  const res = await fetch(`${base}/front/fail`);
  expect(res.status).toBe(400);
  expect(await res.json()).toMatchObject({ success: false, error: { code: 'validation_failed', message: 'the front handler refused it' } });
});
