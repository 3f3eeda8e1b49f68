// Stand-in for WhatsApp's media servers (mmg.whatsapp.net) and for a CRM's file host. Baileys only
// speaks https to media hosts (Utils/messages-media.js), so this is an HTTPS server on 127.0.0.1 with
// a throw-away self-signed certificate made by the openssl CLI. A client trusts it through
// NODE_EXTRA_CA_CERTS=<certFile> (child processes) or an https.Agent({ ca: cert }) (in-process).
//   POST /mms/<type>/<encSha256>   upload (what Baileys does before sending media)
//   GET  /d/<id>                   download of uploaded or hosted encrypted media (directPath)
//   GET  /files/<name>             plain files tests publish (the mediaUrl of add-message)
import { execFileSync } from 'node:child_process';
import { createCipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getMediaKeys } from '@whiskeysockets/baileys';

export class MediaHost {
  constructor() {
    this.uploads = []; // { type, encSha256, bytes, directPath }
    this.blobs = new Map(); // directPath -> bytes
    this.files = new Map(); // name -> { bytes, mimetype }
  }

  get host() {
    return `127.0.0.1:${this.port}`;
  }

  async start() {
    this.dir = mkdtempSync(join(tmpdir(), 'fake-wa-media-'));
    this.certFile = join(this.dir, 'cert.pem');
    const keyFile = join(this.dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', this.certFile,
      '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    this.cert = readFileSync(this.certFile);
    this.server = createServer({ key: readFileSync(keyFile), cert: this.cert }, (req, res) => this.handle(req, res));
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = this.server.address().port;
    return this;
  }

  async stop() {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
    this.server = undefined;
  }

  /** Publishes a plain file at https://127.0.0.1:<port>/files/<name>; returns the URL. */
  publish(name, bytes, mimetype = 'application/octet-stream') {
    this.files.set(name, { bytes: Buffer.from(bytes), mimetype });
    return `https://${this.host}/files/${encodeURIComponent(name)}`;
  }

  /**
   * Encrypts bytes the way WhatsApp media is (AES-256-CBC + 10-byte HMAC, keys from the media key)
   * and hosts them: pass the result as `hosted` in pushMessage's image options.
   */
  async encryptAndHost(bytes, mediaType = 'image') {
    const mediaKey = randomBytes(32);
    const { iv, cipherKey, macKey } = await getMediaKeys(mediaKey, mediaType);
    const c = createCipheriv('aes-256-cbc', cipherKey, iv);
    const enc = Buffer.concat([c.update(bytes), c.final()]);
    const mac = createHmac('sha256', macKey).update(Buffer.concat([iv, enc])).digest().subarray(0, 10);
    const file = Buffer.concat([enc, mac]);
    const directPath = `/d/${randomBytes(8).toString('hex')}`;
    this.blobs.set(directPath, file);
    const sha = (b) => createHash('sha256').update(b).digest();
    return { url: `https://${this.host}${directPath}`, directPath, mediaKey, fileSha256: sha(bytes), fileEncSha256: sha(file), fileLength: bytes.length };
  }

  handle(req, res) {
    const path = (req.url ?? '').split('?')[0];
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST' && path.startsWith('/mms/')) {
        const [, , type, encSha256] = path.split('/');
        const directPath = `/d/${randomBytes(8).toString('hex')}`;
        const bytes = Buffer.concat(chunks);
        this.blobs.set(directPath, bytes);
        this.uploads.push({ type, encSha256: decodeURIComponent(encSha256 ?? ''), bytes, directPath });
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ url: `https://${this.host}${directPath}`, direct_path: directPath }));
      }
      const file = path.startsWith('/files/') ? this.files.get(decodeURIComponent(path.slice(7))) : undefined;
      const blob = this.blobs.get(path);
      if (req.method === 'GET' && (file || blob)) {
        const bytes = file?.bytes ?? blob;
        res.writeHead(200, { 'content-type': file?.mimetype ?? 'application/octet-stream', 'content-length': bytes.length });
        return res.end(bytes);
      }
      res.writeHead(404).end();
    });
  }
}
