import type { Request, Response } from 'express';
import type { CampaignSummary } from '../../campaigns/summary';

const FINISHED = new Set(['completed', 'cancelled', 'failed']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface StreamOptions {
  intervalMs: number;
  /** a stream ends after this long; EventSource reconnects by itself (retry: 1000) */
  maxMs: number;
}

/**
 * GET /broadcast-status/:campaignId/stream: Server-Sent Events of the campaign summary, an
 * `progress` event whenever it changed (checked every intervalMs), an `end` event when the campaign
 * is finished. Streams are short-lived (maxMs) so a shutdown never waits long on an open one; a
 * browser's EventSource reconnects on its own.
 */
export async function streamSummary(req: Request, res: Response, first: CampaignSummary, load: () => Promise<CampaignSummary | undefined>, options: StreamOptions): Promise<void> {
  let closed = false;
  req.on('close', () => (closed = true));
  res.status(200).set({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.flushHeaders();
  res.write('retry: 1000\n\n');
  let last = '';
  const started = Date.now();
  let summary: CampaignSummary | undefined = first;
  while (!closed && summary) {
    const json = JSON.stringify(summary);
    if (json !== last) res.write(`event: progress\ndata: ${json}\n\n`);
    last = json;
    if (FINISHED.has(summary.status)) {
      res.write(`event: end\ndata: ${JSON.stringify({ status: summary.status })}\n\n`);
      break;
    }
    if (Date.now() - started >= options.maxMs) break;
    await sleep(options.intervalMs);
    summary = await load().catch(() => undefined);
  }
  res.end();
}
