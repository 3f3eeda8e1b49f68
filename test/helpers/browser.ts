import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, Browser, BrowserContext } from 'playwright-core';

/** Debian's chromium (`.ci/run` installs it when missing). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Screenshots of browser tests go here, never into the repository. */
export const SCREENSHOTS = mkdtempSync(join(tmpdir(), 'browser-shots-'));

export interface TestBrowser {
  browser: Browser;
  context: BrowserContext;
  /** requests that left 127.0.0.1 (refused): a page must work offline (no CDN, no web font) */
  external: string[];
}

/**
 * A headless chromium whose context lets only loopback requests through and records the others,
 * so a test can assert that a page asked nothing of the internet.
 */
export async function launchBrowser(options: { httpCredentials?: { username: string; password: string } } = {}): Promise<TestBrowser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-background-networking'] });
  const context = await browser.newContext({ httpCredentials: options.httpCredentials });
  const external: string[] = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1' || url.protocol === 'data:' || url.protocol === 'blob:') return route.continue();
    external.push(url.href);
    return route.abort();
  });
  return { browser, context, external };
}
