import { runProcess } from '../../shared/lifecycle';
import { startWorker } from '../_runtime/worker-process';
import { broadcastWorkerSpec } from './wiring';

runProcess('broadcast-worker', (config, logger) => startWorker(broadcastWorkerSpec(config, logger), config, logger));
