#!/usr/bin/env node
// Exit 0 when PostgreSQL at the given URL accepts a connection and answers SELECT 1 within 5 s.
// Without a URL: only whether something listens on 127.0.0.1:5432 (plain TCP, no credentials).
const url = process.argv[2];
if (!url) {
  const socket = require('node:net').connect({ port: 5432, host: '127.0.0.1' });
  socket.setTimeout(2000, () => process.exit(1));
  socket.on('error', () => process.exit(1));
  socket.on('connect', () => process.exit(0));
} else {
  const { Client } = require('pg');
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000, query_timeout: 5000 });
  const timer = setTimeout(() => process.exit(1), 6000);
  client
    .connect()
    .then(() => client.query('SELECT 1'))
    .then(() => process.exit(0))
    .catch((err) => {
      if (process.env.PG_PING_VERBOSE) console.error(err.message);
      clearTimeout(timer);
      process.exit(1);
    });
}
