#!/usr/bin/env node
/**
 * The baseline bench/add-message.js compares against: the plain way to put a message on a queue,
 * Express + express.json() + bull's queue.add() with bull's default settings, nothing else
 * (no auth, no validation, no idempotency). Started by the bench as its own process.
 * Env: PORT, REDIS_URL, QUEUE_PREFIX.
 */
const express = require('express');
const Bull = require('bull');

const queue = new Bull('message', process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { prefix: process.env.QUEUE_PREFIX ?? 'naive' });
const app = express();
app.post('/queue/add-message', express.json(), async (req, res) => {
  try {
    const job = await queue.add(req.body);
    res.json({ success: true, jobId: job.id });
  } catch (err) {
    res.status(500).json({ success: false, error: err.message });
  }
});
const server = app.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('ready'));
process.on('SIGTERM', () => {
  server.close();
  queue.close().then(() => process.exit(0));
});
