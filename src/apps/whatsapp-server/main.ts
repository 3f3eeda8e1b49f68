import { runProcess } from '../../shared/lifecycle';
import { startServer } from './wiring';

runProcess('whatsapp-server', startServer);
