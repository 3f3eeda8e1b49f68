import { runProcess } from '../../shared/lifecycle';
import { startWorker } from '../_runtime/worker-process';
import { webhookWorkerSpec } from './wiring';

runProcess('webhook-worker', (config, logger) => startWorker(webhookWorkerSpec(config, logger), config, logger));
