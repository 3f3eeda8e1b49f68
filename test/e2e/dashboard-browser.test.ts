/// <reference lib="dom" />
import { join } from 'node:path';
import IORedis from 'ioredis';
import type { Page } from 'playwright-core';
import { REDIS_URL, TEST_SECRETS } from '../helpers/env';
import { BroadcastStack } from '../helpers/broadcast-stack';
import { launchBrowser, SCREENSHOTS, TestBrowser } from '../helpers/browser';
import { DeadLetterStore } from '../../src/webhooks/dead-letters';

jest.setTimeout(120_000);

/**
 * The dashboard in Debian's chromium, as an operator uses it: log in with the API key, create a
 * sandbox instance and see its QR, see it become connected, start a small campaign and watch it
 * reach 100 %, replay a dead letter. Nothing may be asked of the internet (no CDN, no web font).
 */
const stack = new BroadcastStack('dashboard-browser');
let b: TestBrowser;
let page: Page;
let base: string;

beforeAll(async () => {
  // the sandbox shows its QR for 3 s before it links by itself
  await stack.start({ SANDBOX_LINK_DELAY_MS: 3000 });
  base = `http://127.0.0.1:${stack.config.SERVER_PORT}`;
  const redis = new IORedis(REDIS_URL);
  const event = { id: 'evt-dead-1', type: 'qr.updated', instanceId: 'shop-ui', timestamp: new Date().toISOString(), data: { qr: 'x', attempt: 1 } };
  await new DeadLetterStore(redis, stack.prefix, 100).add({ id: event.id, event: event as never, url: 'https://crm.example.test/hook', lastStatus: 500, lastError: 'HTTP 500', attempts: 15, deadAt: new Date().toISOString() });
  redis.disconnect();
  b = await launchBrowser();
  page = await b.context.newPage();
});

afterAll(async () => {
  await b?.browser.close();
  await stack.stop();
});

const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `dashboard-${name}.png`), fullPage: true });

test('log in with the API key', async () => {
  await page.goto(`${base}/dashboard`);
  await page.getByLabel('API key').fill(TEST_SECRETS.API_KEY);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Instances' }).waitFor();
  const cookie = (await b.context.cookies()).find((c) => c.name === 'wa_dashboard');
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/dashboard' });
  expect(cookie?.expires).toBeGreaterThan(Date.now() / 1000);
});

test('create a sandbox instance, see its QR, see it become connected', async () => {
  await page.getByLabel('New instance id').fill('shop-ui');
  await page.getByRole('button', { name: 'Create instance' }).click();
  const qr = page.getByRole('img', { name: /QR code for shop-ui/ });
  await qr.waitFor();
  await page.waitForFunction(() => {
    const img = document.querySelector('img.qr') as HTMLImageElement | null;
    return !!img && img.complete && img.naturalWidth > 0;
  });
  await shot('qr');
  await page.getByText('shop-ui is connected.').waitFor({ timeout: 15_000 });
  await page.locator('tr[data-instance="shop-ui"] [data-testid="instance-status"]').getByText('connected', { exact: true }).waitFor({ timeout: 10_000 });
  await shot('connected');
});

test('start a small campaign and watch its progress reach 100 %', async () => {
  await page.getByRole('link', { name: 'Campaigns' }).click();
  await page.getByText('Start a campaign').click();
  await page.getByLabel('Instance').selectOption('shop-ui');
  await page.getByLabel('Campaign id (optional)').fill('ui-campaign');
  await page.getByLabel('Phone numbers, one per line').fill('5511999990101\n5511999990102\n5511999990103');
  await page.getByLabel(/^Message/).fill('Hello from the dashboard');
  await page.getByRole('button', { name: 'Start campaign' }).click();
  await page.getByRole('heading', { name: 'Campaign ui-campaign' }).waitFor();
  await page.getByTestId('campaign-progress').getByText('100 %').waitFor({ timeout: 30_000 });
  await page.getByTestId('campaign-status').getByText('completed').waitFor({ timeout: 15_000 });
  await shot('campaign');
  expect((await stack.sendLog('shop-ui')).length).toBe(3);
  await page.getByRole('link', { name: 'All campaigns' }).click();
  await page.getByRole('link', { name: 'ui-campaign' }).waitFor();
});

test('replay a dead letter', async () => {
  await page.getByRole('link', { name: 'Dead letters' }).click();
  await page.getByRole('button', { name: 'Replay evt-dead-1' }).click();
  await page.getByTestId('replay-result').getByText('Replayed 1').waitFor();
  await page.locator('tr[data-dead="evt-dead-1"]').waitFor({ state: 'detached' });
  await shot('dead-letters');
  const job = await stack.server.deps.queues.webhook.getJob('evt-dead-1');
  expect(job?.data.event.id).toBe('evt-dead-1');
});

test('asked nothing of the internet', () => {
  expect(b.external).toEqual([]);
});
