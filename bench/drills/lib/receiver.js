/**
 * The edge functions' stand-in: records every webhook (event id, type, data) and can be taken
 * down (port closed: connection refused) and brought back on the same port.
 */
const { createServer } = require('node:http');

class Receiver {
  constructor() {
    this.events = []; // { id, type, instanceId, data, at }
    this.requests = 0;
    this.port = 0;
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
        try {
          const e = JSON.parse(Buffer.concat(chunks).toString('utf8'));
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
