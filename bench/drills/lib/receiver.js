/**
 * The edge functions' stand-in: records every webhook (event id, type, data), verifying each
 * with the official standardwebhooks package as an edge function would (when given the secret),
 * and can be taken down (port closed: connection refused), or made to answer 503, and brought
 * back on the same port.
 */
const { createServer } = require('node:http');
const { Webhook } = require('standardwebhooks');

class Receiver {
  constructor(secret) {
    this.events = []; // { id, type, instanceId, data, at }
    this.requests = 0;
    this.unverified = 0;
    /** while set, every request is answered with this status (and not recorded as an event) */
    this.failWith = 0;
    this.refused = 0;
    this.port = 0;
    this.webhook = secret && secret.startsWith('whsec_') ? new Webhook(secret) : undefined;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  start(port = this.port) {
    this.server = createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        this.requests++;
        if (this.failWith) {
          this.refused++;
          res.writeHead(this.failWith, { 'content-type': 'application/json' });
          return res.end('{"ok":false}');
        }
        const body = Buffer.concat(chunks).toString('utf8');
        try {
          if (this.webhook) this.webhook.verify(body, req.headers);
        } catch {
          this.unverified++;
          res.writeHead(401);
          return res.end('invalid signature');
        }
        try {
          const e = JSON.parse(body);
          this.events.push({ id: e.id, type: e.type, instanceId: e.instanceId, data: e.data || {}, at: Date.now() });
        } catch {
          /* not JSON: counted as a request only */
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      });
    });
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.port = this.server.address().port;
        resolve(this);
      });
    });
  }

  async stop() {
    if (!this.server) return;
    const s = this.server;
    this.server = undefined;
    s.closeAllConnections();
    await new Promise((r) => s.close(() => r()));
  }
}

module.exports = { Receiver };
