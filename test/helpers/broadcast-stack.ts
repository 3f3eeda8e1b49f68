import { freePort, waitFor } from './env';
import { Answer, MessagingStack, SendLogLine } from './messaging-stack';
import { broadcastWorkerSpec } from '../../src/apps/broadcast-worker/wiring';
import { startWorker } from '../../src/apps/_runtime/worker-process';
import { silentLogger } from '../../src/shared/logger';

export interface SandboxLine extends SendLogLine {
  contentType: string;
  text?: string;
}

/**
 * whatsapp-server (sandbox driver) and, optionally, broadcast-worker in this process (instead of
 * message-worker), on free ports and a unique prefix, with the sandbox send log in a temp file.
 */
export class BroadcastStack extends MessagingStack {
  async start(overrides: Record<string, string | number | boolean> = {}, withWorker = true): Promise<this> {
    await super.start({ BROADCAST_WORKER_PORT: await freePort(), ...overrides }, false);
    if (withWorker) this.worker = await startWorker(broadcastWorkerSpec(this.config, silentLogger()), this.config, silentLogger());
    return this;
  }

  status(campaignId: string, query = ''): Promise<Answer> {
    return this.call('GET', `/broadcast-status/${campaignId}${query}`);
  }

  async waitStatus(campaignId: string, status: string, timeoutMs = 30_000): Promise<Answer['body']> {
    return waitFor(async () => {
      const s = await this.status(campaignId);
      return s.body.status === status ? s.body : undefined;
    }, { timeoutMs, intervalMs: 100, what: `campaign ${campaignId} ${status}` });
  }

  /** The sandbox's sends, of one instance when given. */
  async sendLog(instanceId?: string): Promise<SandboxLine[]> {
    const lines = (await super.sendLog()) as SandboxLine[];
    return instanceId ? lines.filter((l) => l.instanceId === instanceId) : lines;
  }
}
