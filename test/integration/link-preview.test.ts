/**
 * Link previews against a real local HTTP server: the page's title, description and image become
 * the WAUrlInfo Baileys puts in the text (a 192 px JPEG thumbnail through Baileys' extractImageThumb);
 * the media URL guard applies to the page, each redirect and the image; a page that fails, stalls or
 * has no title gives no preview (logged) instead of an error.
 */
import { execFileSync } from 'node:child_process';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../src/shared/logger';
import { linkPreviewFor, LinkPreviewOptions } from '../../src/whatsapp/baileys/link-preview';
import { Baileys, loadBaileys } from '../../src/whatsapp/baileys/loader';

let B: Baileys;
let server: Server;
let base = '';
const png = execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'color=c=red:s=400x300', '-frames:v', '1', '-f', 'image2', '-c:v', 'png', 'pipe:1']);

const page = (head: string) => `<!doctype html><html><head>${head}</head><body>${'x'.repeat(1000)}</body></html>`;

beforeAll(async () => {
  B = await loadBaileys();
  server = createServer((req, res) => {
    const html = (body: string) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
    switch (req.url) {
      case '/product':
        return html(page(`<title>t</title><meta property="og:title" content="Tênis Azul"><meta property="og:description" content="Em promoção"><meta property="og:image" content="${base}/img.png">`));
      case '/moved':
        return res.writeHead(301, { location: '/product' }).end();
      case '/to-ftp':
        return res.writeHead(302, { location: 'ftp://example.com/file' }).end();
      case '/loop':
        return res.writeHead(302, { location: '/loop' }).end();
      case '/untitled':
        return html('<html><body>no head</body></html>');
      case '/broken-image':
        return html(page(`<meta property="og:title" content="Sem imagem"><meta property="og:image" content="${base}/missing.png">`));
      case '/img.png':
        return res.writeHead(200, { 'content-type': 'image/png' }).end(png);
      case '/slow':
        return; // never answers
      case '/file.zip':
        return res.writeHead(200, { 'content-type': 'application/zip' }).end('PK');
      default:
        return res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function logger() {
  const lines: Array<{ level: string; msg: string; meta: Record<string, unknown> }> = [];
  const at = (level: string) => (msg: string, meta: Record<string, unknown> = {}) => lines.push({ level, msg, meta });
  return { log: { warn: at('warn'), info: at('info'), debug: at('debug'), error: at('error') } as unknown as Logger, lines };
}

const open: LinkPreviewOptions = { timeoutMs: 2000, allowPrivate: true, dnsTimeoutMs: 1000 };

describe('linkPreviewFor', () => {
  it('makes the preview of the first link: title, description, canonical url, thumbnail', async () => {
    const { log } = logger();
    const text = `Olha esse: ${base}/product e esse ${base}/untitled`;
    const info = await linkPreviewFor(B, text, open, log);
    expect(info).toMatchObject({ 'canonical-url': `${base}/product`, 'matched-text': `${base}/product`, title: 'Tênis Azul', description: 'Em promoção', originalThumbnailUrl: `${base}/img.png` });
    // a JPEG (FF D8) 192 px wide, as Baileys makes for previews
    expect(info!.jpegThumbnail!.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    const meta = await (await import('sharp')).default(info!.jpegThumbnail!).metadata();
    expect(meta.width).toBe(192);
    // and Baileys puts it in the text message as it is
    const m = await B.generateWAMessageContent({ text, linkPreview: info }, {} as never);
    expect(m.extendedTextMessage).toMatchObject({ text, matchedText: `${base}/product`, title: 'Tênis Azul', description: 'Em promoção' });
  });

  it('follows a redirect', async () => {
    const info = await linkPreviewFor(B, `${base}/moved`, open, logger().log);
    expect(info).toMatchObject({ title: 'Tênis Azul', 'canonical-url': `${base}/product` });
  });

  it('refuses a loopback page when private URLs are not allowed, and says why', async () => {
    const { log, lines } = logger();
    expect(await linkPreviewFor(B, `${base}/product`, { ...open, allowPrivate: false }, log)).toBeUndefined();
    expect(lines).toEqual([expect.objectContaining({ level: 'warn', msg: expect.stringContaining('link preview skipped'), meta: expect.objectContaining({ reason: 'link preview url points to a private address' }) })]);
  });

  it('checks every redirect hop with the guard, and stops after 5 redirects', async () => {
    const hop = logger();
    // the page itself passes (loopback allowed here); where it redirects to does not
    expect(await linkPreviewFor(B, `${base}/to-ftp`, open, hop.log)).toBeUndefined();
    expect(hop.lines[0].meta.reason).toBe('link preview url must use http or https');
    const loop = logger();
    expect(await linkPreviewFor(B, `${base}/loop`, open, loop.log)).toBeUndefined();
    expect(loop.lines[0].meta.reason).toBe('more than 5 redirects');
  });

  it('gives no preview for a page without a title, a non-page, a 404 or a page that never answers', async () => {
    for (const [path, reason] of [
      ['/untitled', /no title/],
      ['/file.zip', /not a page \(application\/zip\)/],
      ['/nothing', /HTTP 404/],
      ['/slow', /exceeded 300 ms/],
    ] as const) {
      const { log, lines } = logger();
      expect(await linkPreviewFor(B, `veja ${base}${path}`, { ...open, timeoutMs: 300 }, log)).toBeUndefined();
      expect(lines.map((l) => `${l.msg} ${l.meta.reason ?? ''}`).join('\n')).toMatch(reason);
    }
  });

  it('keeps the preview without a thumbnail when the image fails', async () => {
    const { log, lines } = logger();
    const info = await linkPreviewFor(B, `${base}/broken-image`, open, log);
    expect(info).toMatchObject({ title: 'Sem imagem' });
    expect(info!.jpegThumbnail).toBeUndefined();
    expect(lines[0]).toMatchObject({ msg: 'link preview without thumbnail' });
  });

  it('a text without a link has no preview and logs nothing', async () => {
    const { log, lines } = logger();
    expect(await linkPreviewFor(B, 'sem link aqui', open, log)).toBeUndefined();
    expect(lines).toEqual([]);
  });
});
