import { runProcess } from '../../shared/lifecycle';
import { startWorker } from '../_runtime/worker-process';
import { messageWorkerSpec } from './wiring';

runProcess('message-worker', (config, logger) => startWorker(messageWorkerSpec(config, logger), config, logger));
