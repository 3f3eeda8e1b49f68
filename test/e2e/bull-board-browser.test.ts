import { join } from 'node:path';
import { cleanupPrefix, freePort, testConfig, TEST_SECRETS, uniquePrefix } from '../helpers/env';
import { launchBrowser, SCREENSHOTS, TestBrowser } from '../helpers/browser';
import { startServer, StartedServer } from '../../src/apps/whatsapp-server/wiring';
import { silentLogger } from '../../src/shared/logger';

jest.setTimeout(90_000);

/**
 * Bull Board in a real browser, opened the way an operator does: credentials in the URL. It used
 * to show raw translation keys (its translations are fetched, and fetch() refuses URLs that carry
 * credentials) and to wait on a Google web font.
 */
const prefix = uniquePrefix('board-browser');
let server: StartedServer;
let port: number;
let b: TestBrowser;

beforeAll(async () => {
  port = await freePort();
  server = await startServer(testConfig(prefix, { SERVER_PORT: port }), silentLogger());
  b = await launchBrowser();
});

afterAll(async () => {
  await b?.browser.close();
  await server?.close();
  await cleanupPrefix(prefix);
});

test('opened as http://admin:<key>@host/admin/queues: translated, the three queues, nothing from the internet', async () => {
  const page = await b.context.newPage();
  await page.goto(`http://admin:${TEST_SECRETS.API_KEY}@127.0.0.1:${port}/admin/queues`);
  // a translated string ("No workers" is the en-US text of a key): the translations loaded
  await page.getByText('No workers').first().waitFor({ timeout: 20_000 });
  await page.getByText('message', { exact: true }).first().waitFor();
  const text = await page.locator('body').innerText();
  expect(text).not.toMatch(/\b[A-Z]+\.[A-Z_]{3,}\b/);
  expect(page.url()).not.toContain('@');
  await page.screenshot({ path: join(SCREENSHOTS, 'bull-board.png') });
  expect(b.external).toEqual([]);
});
