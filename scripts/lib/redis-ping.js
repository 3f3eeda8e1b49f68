#!/usr/bin/env node
// Exit 0 when a Redis answers PING at the given URL (default redis://127.0.0.1:6379) within 2 s.
// Plain node + net, so it works before `npm ci` and without redis-cli.
const net = require('node:net');
const url = new URL(process.argv[2] || 'redis://127.0.0.1:6379');
const port = Number(url.port || 6379);
const host = url.hostname || '127.0.0.1';
const password = decodeURIComponent(url.password || '');
const socket = net.connect({ port, host });
const done = (code) => {
  socket.destroy();
  process.exit(code);
};
socket.setTimeout(2000, () => done(1));
socket.on('error', () => done(1));
socket.on('connect', () => {
  if (password) socket.write(`AUTH ${url.username ? `${decodeURIComponent(url.username)} ` : ''}${password}\r\n`);
  socket.write('PING\r\n');
});
let buffer = '';
socket.on('data', (d) => {
  buffer += d.toString();
  if (buffer.includes('+PONG')) done(0);
  if (buffer.startsWith('-')) done(1);
});
