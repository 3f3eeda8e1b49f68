import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Runs Lua scripts by SHA (EVALSHA), loading them on NOSCRIPT (first use, or after a Redis
 * restart flushed the script cache). Saves sending the script text on every call.
 */
export class ScriptRunner {
  private readonly shas = new Map<string, string>();

  constructor(private readonly redis: Redis) {}

  async run(script: string, keys: string[], args: Array<string | number>): Promise<unknown> {
    let sha = this.shas.get(script);
    if (!sha) {
      sha = createHash('sha1').update(script).digest('hex');
      this.shas.set(script, sha);
    }
    try {
      return await this.redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!String((err as Error).message).includes('NOSCRIPT')) throw err;
      return this.redis.eval(script, keys.length, ...keys, ...args);
    }
  }
}
