import { Router } from 'express';
import { z } from 'zod';
import { parseInput } from '../../shared/parse-input';
import { AppError } from '../../shared/errors';
import { CAMPAIGN_ID_RE } from '../../campaigns/schema';
import type { CampaignStore } from '../../campaigns/store';
import { LOG_STATUSES, MessageLogStore } from '../../message-log';
import { csvHeader, csvLine } from '../../message-log/csv';
import { INSTANCE_ID_RE } from '../../whatsapp/types';
import { assertAdmin, canSee } from '../access/principal';

const date = (field: string) =>
  z
    .string()
    .refine((v) => !Number.isNaN(Date.parse(v)), `${field} must be an ISO 8601 date-time`)
    .transform((v) => new Date(v))
    .optional();

const listQuery = z.object({
  instanceId: z.string().regex(INSTANCE_ID_RE).optional(),
  campaignId: z.string().regex(CAMPAIGN_ID_RE).optional(),
  status: z.enum(LOG_STATUSES).optional(),
  since: date('since'),
  until: date('until'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(400).optional(),
});

export interface MessageLogRouteDeps {
  /** undefined with MESSAGE_LOG=off: the routes answer 404 saying so */
  log?: Pick<MessageLogStore, 'query' | 'campaignOutcomes'>;
  /** for a campaign's instance (a scoped key sees only its own) */
  campaigns: Pick<CampaignStore, 'get'>;
}

const EXPORT_PAGE = 2000;

/**
 * The message log (PostgreSQL), history beyond Redis' retention:
 *   GET /messages?instanceId&campaignId&status&since&until&limit&cursor   rows, newest first
 *   GET /broadcast-status/:campaignId/export                              a campaign's outcomes as CSV
 */
export function messageLogRouter(deps: MessageLogRouteDeps): Router {
  const router = Router();
  const log = () => {
    if (!deps.log) throw new AppError('not_found', 'the message log is off (MESSAGE_LOG=off)');
    return deps.log;
  };

  router.get('/messages', async (req, res) => {
    const q = parseInput(listQuery, req.query);
    // a scoped key must name one of its instances (rows of others are never shown)
    if (!q.instanceId) assertAdmin(req);
    else if (!canSee(req, q.instanceId)) throw new AppError('instance_not_found', `instance ${q.instanceId} does not exist`);
    const page = await log().query(q);
    res.json({ success: true, count: page.items.length, items: page.items, nextCursor: page.nextCursor });
  });

  router.get('/broadcast-status/:campaignId/export', async (req, res) => {
    const campaignId = String(req.params.campaignId);
    if (!CAMPAIGN_ID_RE.test(campaignId)) throw new AppError('validation_failed', 'campaignId: letters, digits, _ . - only (max 128)');
    const store = log();
    const record = await deps.campaigns.get(campaignId);
    if (record && !canSee(req, record.instanceId)) throw new AppError('not_found', `campaign ${campaignId} does not exist`);
    if (!record) assertAdmin(req);
    let page = await store.campaignOutcomes(campaignId, '', EXPORT_PAGE);
    if (!page.length && !record) throw new AppError('not_found', `campaign ${campaignId}: nothing in the message log`);
    res.status(200).set({ 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${campaignId}.csv"`, 'cache-control': 'no-store' });
    res.write(csvHeader());
    try {
      // keyset pages: 100,000 recipients never sit in memory at once
      while (page.length) {
        res.write(page.map(csvLine).join(''));
        if (page.length < EXPORT_PAGE) break;
        page = await store.campaignOutcomes(campaignId, page[page.length - 1].messageId, EXPORT_PAGE);
      }
      res.end();
    } catch (err) {
      // the status line is gone: a cut connection is the only honest way to say the file is incomplete
      res.destroy(err as Error);
    }
  });

  return router;
}
