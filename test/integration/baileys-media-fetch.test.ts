import { createServer, Server } from 'node:http';
import { AppError } from '../../src/shared/errors';
import { fetchMedia, httpUrl } from '../../src/whatsapp/baileys/media-fetch';
import { freePort } from '../helpers/env';

let server: Server;
let base: string;
const hanging = new Set<import('node:http').ServerResponse>();

beforeAll(async () => {
  const port = await freePort();
  server = createServer((req, res) => {
    if (req.url === '/ok') return res.writeHead(200, { 'content-type': 'image/png; charset=binary' }).end(Buffer.from('PNGDATA'));
    if (req.url === '/big') return res.writeHead(200, { 'content-length': '5000' }).end(Buffer.alloc(5000));
    if (req.url === '/chunked-big') {
      res.writeHead(200);
      res.write(Buffer.alloc(600));
      res.end(Buffer.alloc(600));
      return;
    }
    if (req.url === '/slow') {
      hanging.add(res);
      res.writeHead(200);
      res.write('partial'); // never ends
      return;
    }
    if (req.url === '/gone') return res.writeHead(410).end();
    if (req.url === '/busy') return res.writeHead(503).end();
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

async function drain(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

const opts = { timeoutMs: 2000, maxBytes: 1000 };

describe('media fetch for outgoing media', () => {
  test('only http(s) URLs: Baileys would read anything else as a local file', () => {
    for (const bad of ['file:///etc/passwd', '/etc/passwd', 'data:text/plain;base64,aGk=', 'ftp://x/y', 'not a url']) {
      expect(() => httpUrl(bad)).toThrow(AppError);
    }
    expect(httpUrl('HTTPS://Example.com/a.jpg').href).toBe('https://example.com/a.jpg');
  });

  test('streams the body and reports the served mimetype', async () => {
    const m = await fetchMedia(`${base}/ok`, opts);
    expect(m.mimetype).toBe('image/png');
    expect((await drain(m.stream)).toString()).toBe('PNGDATA');
  });

  test('HTTP errors: 4xx bad_request (not retryable), 5xx transient', async () => {
    await expect(fetchMedia(`${base}/gone`, opts)).rejects.toMatchObject({ code: 'bad_request', retryable: false });
    await expect(fetchMedia(`${base}/busy`, opts)).rejects.toMatchObject({ code: 'transient', retryable: true });
  });

  test('size cap: declared length refused up front, undeclared cut off while streaming', async () => {
    await expect(fetchMedia(`${base}/big`, opts)).rejects.toMatchObject({ code: 'payload_too_large' });
    const m = await fetchMedia(`${base}/chunked-big`, opts);
    await expect(drain(m.stream)).rejects.toMatchObject({ code: 'payload_too_large' });
  });

  test('a download that never finishes fails at the deadline (transient)', async () => {
    const m = await fetchMedia(`${base}/slow`, { timeoutMs: 200, maxBytes: 1000 });
    await expect(drain(m.stream)).rejects.toMatchObject({ code: 'transient' });
  });
});
