import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { TEST_SECRETS } from '../helpers/env';
import { MessagingStack } from '../helpers/messaging-stack';

jest.setTimeout(60_000);

/** `bash scripts/test-send.sh` exactly as the README writes it (no arguments) goes end to end. */
const ROOT = join(__dirname, '..', '..');
const stack = new MessagingStack('test-send');

function testSend(args: string[]): Promise<{ code: number; out: string }> {
  const env = { PATH: process.env.PATH ?? '', ENV_FILE: '/nonexistent/.env', API_KEY: TEST_SECRETS.API_KEY, SERVER_PORT: String(stack.config.SERVER_PORT), TEST_SEND_TIMEOUT_S: '30', TEST_SEND_CONNECT_TIMEOUT_S: '30' };
  return new Promise((resolve) => {
    execFile('bash', [join(ROOT, 'scripts', 'test-send.sh'), ...args], { env, timeout: 50_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }));
  });
}

beforeAll(() => stack.start());
afterAll(() => stack.stop());

test('without arguments it creates (sandbox) or picks a connected instance and sends', async () => {
  const first = await testSend([]);
  expect(first.out).toContain('none connected: using test-send');
  expect(first.out).toMatch(/OK: message \w+ was sent/);
  expect(first.code).toBe(0);
  const second = await testSend([]);
  expect(second.out).toContain('using the connected instance test-send');
  expect(second.code).toBe(0);
  expect((await stack.sendLog()).filter((l) => l.instanceId === 'test-send')).toHaveLength(2);
});

test('an explicit instance still works, and a flag gets the usage line', async () => {
  expect((await testSend(['test-send', '5511999990002', 'hello'])).code).toBe(0);
  const usage = await testSend(['--help']);
  expect(usage.code).toBe(1);
  expect(usage.out).toContain('usage: scripts/test-send.sh [instanceId] [phone] [message]');
});
