import { runProcess } from '../../shared/lifecycle';
import { startWorker } from '../../shared/worker-process';
import { broadcastWorkerSpec } from './wiring';

runProcess('broadcast-worker', (config, logger) => startWorker(broadcastWorkerSpec(config, logger), config, logger));
