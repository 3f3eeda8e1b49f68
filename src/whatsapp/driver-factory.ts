import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { Config } from '../shared/config';
import type { Logger } from '../shared/logger';
import { createSandboxDriver } from './sandbox/driver';
import type { SessionDriver } from './types';

export interface DriverDeps {
  config: Config;
  logger: Logger;
  redis: Redis;
}

type BaileysModule = { createBaileysDriver(deps: DriverDeps): SessionDriver };

/**
 * The session driver named by WHATSAPP_DRIVER. The Baileys adapter is resolved at run time so the
 * rest of the server builds and runs (sandbox) whatever state src/whatsapp/baileys/ is in; a missing
 * adapter is a clear start error, not a crash on the first request.
 */
export function createDriver(deps: DriverDeps): SessionDriver {
  if (deps.config.WHATSAPP_DRIVER === 'sandbox') return createSandboxDriver(deps);
  const base = join(__dirname, 'baileys', 'baileys-driver');
  if (!['.js', '.ts'].some((ext) => existsSync(base + ext))) {
    throw new Error(`WHATSAPP_DRIVER=baileys but the Baileys adapter (${base}) is not built; run npm run build or use WHATSAPP_DRIVER=sandbox`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(base) as Partial<BaileysModule>;
  if (typeof mod.createBaileysDriver !== 'function') throw new Error('the Baileys adapter does not export createBaileysDriver');
  return mod.createBaileysDriver(deps);
}
