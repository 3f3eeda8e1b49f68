import { Router } from 'express';
import { AppError } from '../shared/errors';
import { createBullBoard } from '@bull-board/api';
import { BullAdapter } from '@bull-board/api/bullAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queues } from './factory';

type BoardServerAdapter = Parameters<typeof createBullBoard>[0]['serverAdapter'];
import { QUEUE_NAMES } from './contract';
import { offlineBoardPage } from './board-page';

/**
 * Bull Board (the queue dashboard) over the three queues, as an Express router to mount at
 * `basePath`. Built here because its adapter wraps Bull queues and only src/queues/ knows Bull.
 * Retries and clean are allowed (that is what an operator opens it for); the caller adds auth.
 */
export function createBoardRouter(queues: Queues, basePath: string): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(basePath);
  createBullBoard({
    queues: QUEUE_NAMES.map((name) => new BullAdapter(queues[name], { readOnlyMode: false, allowRetries: true, description: DESCRIPTIONS[name] })),
    // @bull-board/express 9.10.1 declares its own copy of @bull-board/api's types (9.10.2 here);
    // the adapter interface is identical, only the declarations are distinct.
    serverAdapter: serverAdapter as unknown as BoardServerAdapter,
    options: { uiConfig: { boardTitle: 'WhatsApp queues' } },
  });
  const app = serverAdapter.getRouter() as unknown as ViewApp;
  // the page is rendered by the adapter's ejs engine: wrap it to serve the offline page (board-page.ts)
  const render = app.engines['.ejs'];
  if (render) app.engine('ejs', (file, options, done) => render(file, options, (err, html) => done(err, err || html === undefined ? html : offlineBoardPage(html))));
  // Bull's commands wait for a connection that is not there: with Redis away the board's API would
  // hang each request until the client gives up. Its data routes answer 503 at once instead.
  const guarded = Router();
  guarded.use('/api', (_req, _res, next) => {
    const down = QUEUE_NAMES.map((name) => queues[name].client.status).find((status) => status !== 'ready');
    next(down ? new AppError('redis_unavailable', `Redis is unreachable (connection ${down}); the queue board shows data again when it is back`) : undefined);
  });
  guarded.use(app as unknown as Router);
  return guarded;
}

type RenderEngine = (file: string, options: object, done: (err: Error | null, html?: string) => void) => void;
/** the part of the adapter's Express app that renders its page */
interface ViewApp {
  engines: Record<string, RenderEngine | undefined>;
  engine(ext: string, fn: RenderEngine): void;
}

const DESCRIPTIONS: Record<(typeof QUEUE_NAMES)[number], string> = {
  message: 'single messages (message-worker)',
  webhook: 'events to the CRM edge functions, and maintenance jobs (webhook-worker)',
  broadcast: 'campaigns (broadcast-worker)',
};
