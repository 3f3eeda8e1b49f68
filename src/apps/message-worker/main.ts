import { runProcess } from '../../shared/lifecycle';
import { startWorker } from '../../shared/worker-process';
import { messageWorkerSpec } from './wiring';

runProcess('message-worker', (config, logger) => startWorker(messageWorkerSpec(config, logger), config, logger));
