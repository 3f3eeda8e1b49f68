/**
 * Link previews, made here instead of by Baileys' getUrlInfo (Utils/link-preview.js), which fetches
 * any URL in the text with no address check, no size cap and a thumbnail download of its own.
 * This follows its steps and returns the same WAUrlInfo (Types/Message.d.ts), which Baileys puts in
 * the text as given (Utils/messages.js:278-282: `linkPreview` set = no fetch of its own):
 * the first URL of the text (extractUrlFromText, Utils/messages.js:33, see firstUrl), https:// when it has no
 * scheme (link-preview.js:26), the page parsed by link-preview-js (its getPreviewFromContent on the
 * page fetched here), title required (link-preview.js:50), a 192 px JPEG thumbnail of the first
 * image (link-preview.js:3-9, extractImageThumb). Every hop (redirects, the image) passes the media
 * URL guard (src/shared/url-guard.ts, ALLOW_PRIVATE_MEDIA_URLS), the whole preview has a deadline and
 * the page a size cap. A preview that fails is no preview: the caller sends the text without one.
 */
import type { WAUrlInfo } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };
import type { Logger } from '../../shared/logger';
import { assertPublicHttpUrl } from '../../shared/url-guard';
import { fetchMedia } from './media-fetch';
import type { Baileys } from './loader';

export interface LinkPreviewOptions {
  /** the whole preview (page, redirects, image) */
  timeoutMs: number;
  allowPrivate: boolean;
  dnsTimeoutMs: number;
}

/** link-preview.js:3 THUMBNAIL_WIDTH_PX (and Defaults linkPreviewImageThumbnailWidth) */
const THUMBNAIL_WIDTH_PX = 192;
/** the <head> with its meta tags is at the start; the rest of a page is not read */
const PAGE_MAX_BYTES = 512 * 1024;
const IMAGE_MAX_BYTES = 5 * 1024 * 1024;
/** link-preview.js:23 maxRetry */
const MAX_REDIRECTS = 5;

type PreviewBaileys = Pick<Baileys, 'extractUrlFromText' | 'extractImageThumb'>;

/** The preview of the first URL in text, or undefined (no URL, no title, or a failure, logged). */
export async function linkPreviewFor(baileys: PreviewBaileys, text: string, opts: LinkPreviewOptions, log: Logger): Promise<WAUrlInfo | undefined> {
  const matched = firstUrl(baileys, text);
  if (!matched) return undefined;
  const link = matched.startsWith('https://') || matched.startsWith('http://') ? matched : `https://${matched}`;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error(`link preview exceeded ${opts.timeoutMs} ms`)), opts.timeoutMs);
  timer.unref();
  try {
    const page = await fetchPage(link, opts, abort.signal);
    const { getPreviewFromContent } = await import('link-preview-js');
    const info = await getPreviewFromContent({ url: page.url, headers: page.headers, status: 200, data: page.html });
    if (!('title' in info) || !info.title) {
      log.info('link preview skipped: the page has no title', { url: link });
      return undefined;
    }
    const [image] = info.images;
    const urlInfo: WAUrlInfo = { 'canonical-url': info.url, 'matched-text': matched, title: info.title, description: info.description, originalThumbnailUrl: image };
    if (image) {
      try {
        urlInfo.jpegThumbnail = await thumbnail(baileys, image, opts, abort.signal);
      } catch (err) {
        // as link-preview.js:69-74: a preview without a thumbnail is still a preview
        log.info('link preview without thumbnail', { url: link, image, reason: reasonOf(err, abort.signal) });
      }
    }
    return urlInfo;
  } catch (err) {
    log.warn('link preview skipped; the text goes without one', { url: link, reason: reasonOf(err, abort.signal) });
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The link to preview: Baileys' pick (its URL_REGEX, Defaults/index.js:27, takes only https:// with
 * a dotted domain), else the first http(s) URL of any host (phones preview http:// links too),
 * without the punctuation that ends a sentence.
 */
export function firstUrl(baileys: PreviewBaileys, text: string): string | undefined {
  return baileys.extractUrlFromText(text) ?? /\bhttps?:\/\/[^\s<>"']+/i.exec(text)?.[0].replace(/[.,;:!?)\]]+$/, '');
}

/** The page's start (up to PAGE_MAX_BYTES), following redirects itself so each hop is checked. */
async function fetchPage(link: string, opts: LinkPreviewOptions, signal: AbortSignal): Promise<{ url: string; headers: Record<string, string>; html: string }> {
  let url = link;
  for (let hop = 0; ; hop++) {
    await assertPublicHttpUrl(url, { allowPrivate: opts.allowPrivate, dnsTimeoutMs: opts.dnsTimeoutMs, field: 'link preview url' });
    const res = await fetch(url, { redirect: 'manual', signal, headers: { accept: 'text/html,application/xhtml+xml', 'user-agent': 'WhatsApp/2 link preview' } });
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      void res.body?.cancel().catch(() => undefined);
      if (hop >= MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects`);
      url = new URL(location, url).toString();
      continue;
    }
    if (!res.ok || !res.body) {
      void res.body?.cancel().catch(() => undefined);
      throw new Error(`the page answered HTTP ${res.status}`);
    }
    const type = res.headers.get('content-type') ?? '';
    if (!/text\/html|application\/xhtml/i.test(type)) {
      void res.body.cancel().catch(() => undefined);
      throw new Error(`the link is not a page (${type || 'no content-type'})`);
    }
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => (headers[k] = v));
    return { url, headers, html: await readStart(res.body, PAGE_MAX_BYTES) };
  }
}

async function readStart(body: ReadableStream<Uint8Array>, max: number): Promise<string> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    void reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}

async function thumbnail(baileys: PreviewBaileys, image: string, opts: LinkPreviewOptions, signal: AbortSignal): Promise<Buffer> {
  await assertPublicHttpUrl(image, { allowPrivate: opts.allowPrivate, dnsTimeoutMs: opts.dnsTimeoutMs, field: 'link preview image' });
  const left = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
  const m = await Promise.race([fetchMedia(image, { timeoutMs: opts.timeoutMs, maxBytes: IMAGE_MAX_BYTES }), left]);
  signal.addEventListener('abort', () => m.stream.destroy(signal.reason), { once: true });
  const chunks: Buffer[] = [];
  for await (const c of m.stream) chunks.push(c as Buffer);
  const { buffer } = await baileys.extractImageThumb(Buffer.concat(chunks), THUMBNAIL_WIDTH_PX);
  return buffer;
}

function reasonOf(err: unknown, signal: AbortSignal): string {
  const e = signal.aborted ? signal.reason : err;
  return (e as Error)?.message ?? String(e);
}
